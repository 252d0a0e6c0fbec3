"""Reading YAML safely: one reader for ``scenario.yaml`` and sweep files, with the line of every key.

PyYAML's safe loader composes the file into a tree of nodes; the values are then built from the
nodes here, not by PyYAML's constructor, so that every value is seen once with its key path and
line before anything uses it. The rules:

- **aliases are capped**: anchors and aliases (``&base``, ``*base``, ``<<: *base``) may repeat at
  most :data:`MAX_ALIAS_VALUES` values beyond those the file writes out. A document whose aliases
  would expand further (an "alias bomb": anchors nested a few levels deep, each naming the one
  below several times) is refused as soon as building passes the cap, so it never takes more
  memory or time than a file of that many values. An alias inside the value it names is refused;
- **a key given twice** in one mapping is refused (YAML would silently keep the last one);
  keys merged with ``<<`` give way to the mapping's own keys, as YAML defines;
- **explicit tags** (``!!int abc``, ``!!timestamp ...``, ``!!python/object:...``, ``!custom``) are
  refused: values are plain YAML scalars, lists and mappings, resolved as PyYAML's safe loader
  resolves them (YAML 1.1: ``true``, ``1e3``, ``.nan``, ``2024-01-31``...); a value that looks
  like a date but is none (``2024-13-45``) is an error, not a crash;
- a key must be a scalar (no lists or mappings as keys) and values nest at most
  :data:`MAX_DEPTH` levels.

:func:`read_yaml` returns the data and the line of every key path (``("grid", 0, "values")``);
every refusal is a :class:`~eastwest_opt.errors.Problem` naming the file, the key path and the
line, raised together as a :class:`~eastwest_opt.errors.ScenarioError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from eastwest_opt.errors import Problem, ScenarioError

KeyPath = tuple[Any, ...]
MAX_ALIAS_VALUES = 10_000  # values aliases may add to those written out
MAX_DEPTH = 64  # nesting levels of lists and mappings
_STD = "tag:yaml.org,2002:"
_MERGE = _STD + "merge"
_KINDS = {_STD + "timestamp": "a date", _STD + "int": "an integer", _STD + "float": "a number"}


def key_path_text(path: KeyPath) -> str:
    """A key path as a reader of the file writes it: ``grid[0].overrides[1].scale``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def read_yaml(path: Path, name: str) -> tuple[Any, dict[KeyPath, int]]:
    """Read a YAML file by the rules above; return its data and the line of every key path.

    ``name`` is how messages name the file. Raises :class:`ScenarioError` for bytes that are not
    UTF-8, malformed YAML, and every refusal, each naming the key path and the line.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(name, f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(name, f"cannot be read: {exc.strerror or exc}")]) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[Any, dict[KeyPath, int]]:
    """The data and key lines of a YAML document given as text (see :func:`read_yaml`)."""
    try:
        return _parse(text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        row = mark.line + 1 if mark is not None else None
        raise ScenarioError([Problem(name, f"malformed YAML: {exc.problem or 'malformed YAML'}", row=row)]) from None
    except yaml.reader.ReaderError as exc:
        row = text.count("\n", 0, max(exc.position, 0)) + 1
        reason = f"character {chr(exc.character)!r} is not allowed in YAML"
        raise ScenarioError([Problem(name, f"malformed YAML: {reason}", row=row)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(name, f"malformed YAML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(name, "malformed YAML: values nested too deeply")]) from None
    except _Refused as exc:
        raise ScenarioError([exc.problem]) from None


def _parse(text: str, name: str) -> tuple[Any, dict[KeyPath, int]]:
    """Compose, then build; raise the problems the builder recorded."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        builder = _Builder(loader, name, _count_nodes(node))
        data = builder.build(node, (), 0)
    finally:
        loader.dispose()
    if builder.problems:
        raise ScenarioError(sorted(builder.problems, key=lambda p: -1 if p.row is None else p.row))
    return data, builder.lines


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, remembering which nodes carry an explicit tag."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.explicit_tags: dict[int, str] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        tag = None if isinstance(event, AliasEvent) else getattr(event, "tag", None)
        node: Node = super().compose_node(parent, index)
        if tag is not None:
            self.explicit_tags[id(node)] = tag
        return node


class _Refused(Exception):
    """A refusal that stops reading at once (an alias bomb, an alias inside itself)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _count_nodes(root: Node) -> int:
    """Distinct nodes of the composed tree: the values the file writes out."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                todo.extend((key, value))
    return len(seen)


def _tag_text(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Builder:
    """Builds Python values from composed nodes, recording key lines and refusals."""

    def __init__(self, loader: _Loader, file: str, written: int) -> None:
        self.loader = loader
        self.file = file
        self.limit = written + MAX_ALIAS_VALUES
        self.built = 0
        self.active: set[int] = set()
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []

    def refuse(self, path: KeyPath, node: Node, message: str) -> None:
        """Record a problem at ``path``; reading goes on to find the others."""
        self.problems.append(Problem(self.file, f"{key_path_text(path)}: {message}", row=_line(node)))

    def build(self, node: Node, path: KeyPath, depth: int) -> Any:
        """The value of ``node`` at ``path``, aliases expanded within the cap."""
        self.lines.setdefault(tuple(p if isinstance(p, int) else str(p) for p in path), _line(node))
        self.built += 1
        if self.built > self.limit:
            raise _Refused(
                Problem(
                    self.file,
                    f"{key_path_text(path)}: anchors and aliases expand to more than {MAX_ALIAS_VALUES:,} values "
                    "beyond those written out; refused (write the values out, or repeat fewer of them)",
                    row=_line(node),
                )
            )
        if id(node) in self.active:
            raise _Refused(
                Problem(self.file, f"{key_path_text(path)}: an alias refers to a value that holds it", row=_line(node))
            )
        tag = self.loader.explicit_tags.get(id(node))
        if tag is not None:
            self.refuse(path, node, f"YAML tags such as {_tag_text(tag)} are not accepted; write the plain value")
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if depth >= MAX_DEPTH:
            raise _Refused(
                Problem(self.file, f"{key_path_text(path)}: nested more than {MAX_DEPTH} levels deep", row=_line(node))
            )
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            return self.mapping(node, path, depth)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        """A plain scalar as the safe loader resolves it; a value it cannot build is refused."""
        try:
            return self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            what = _KINDS.get(node.tag, "a YAML value")
            self.refuse(path, node, f"{node.value!r} looks like {what} but is not one; quote it to give a text")
            return None

    def mapping(self, node: MappingNode, path: KeyPath, depth: int) -> dict[Any, Any]:
        """A mapping: its own keys (each once), then the keys merged with ``<<`` that it lacks."""
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE and id(key_node) not in self.loader.explicit_tags:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode) or id(key_node) in self.loader.explicit_tags:
                self.refuse(path, key_node, "a key must be a plain name, not a list, a mapping or a tagged value")
                continue
            key = self.scalar(key_node, path)
            if key in first:
                shown = key_path_text((*path, key))
                message = f"key {shown!r} given twice (first in row {first[key]})"
                self.problems.append(Problem(self.file, message, row=_line(key_node)))
                continue
            first[key] = _line(key_node)
            self.lines.setdefault(tuple(p if isinstance(p, int) else str(p) for p in (*path, key)), _line(key_node))
            out[key] = self.build(value_node, (*path, key), depth + 1)
        for merge in merges:
            for part in self.merged(merge, path, depth):
                for key, value in part.items():
                    out.setdefault(key, value)
        return out

    def merged(self, node: Node, path: KeyPath, depth: int) -> list[dict[Any, Any]]:
        """The mappings a ``<<`` key names: one mapping, or a list of them (earlier ones win)."""
        value = self.build(node, (*path, "<<"), depth + 1)
        parts = value if isinstance(value, list) else [value]
        if not all(isinstance(p, dict) for p in parts):
            self.refuse((*path, "<<"), node, "a merge key '<<' must name a mapping or a list of mappings")
            return []
        return parts
