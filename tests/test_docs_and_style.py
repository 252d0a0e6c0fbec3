"""The formulation in models/ matches the code, the package's imports flow one way, and the code
is ruff clean."""

from __future__ import annotations

import ast
import inspect
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eastwest_opt.model import data, families
from eastwest_opt.plan import verify

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "eastwest_opt"


def _families() -> list[str]:
    return [f.__name__ for f in families.FAMILIES]


def test_every_constraint_family_is_written_in_models_under_its_code_name() -> None:
    text = (ROOT / "models" / "placement.md").read_text()
    headings = set(re.findall(r"^## (\w+)", text, flags=re.M))
    for family in [*_families(), "localization", "variables", "objective"]:
        assert family in headings, f"models/placement.md has no section '## {family}'"
    assert callable(data.localization)


def test_every_family_function_states_its_mathematics() -> None:
    for family in families.FAMILIES:
        doc = inspect.getdoc(family) or ""
        name = family.__name__
        assert doc.startswith(f"{name}:"), f"{name} docstring must start with '{name}:'"
        assert any(op in doc for op in ("<=", ">=", "=")), f"{name} docstring states no relation"


def test_verifier_checks_every_model_family() -> None:
    """Each row family belongs to a family the verifier checks under the same name (the rows of
    durable replicas and of staging are checked as those two families, a preemptible job's
    hours as the jobs' timing)."""
    within = {
        "replica_count": "durable_replicas",
        "region_cover": "durable_replicas",
        "region_spread": "durable_replicas",
        "data_gravity": "staging",
        "staging_supply": "staging",
        "staging_source": "staging",
        "staging_start": "staging",
        "staging_once": "staging",
        "flex_hours": "timing",
        "flex_run": "timing",
    }
    for family in _families():
        assert within.get(family, family) in verify.FAMILIES, f"the verifier does not check {family}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The package modules a module imports at run time (function-level imports included;
    imports only for type checkers left out)."""
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for child in node.body for n in ast.walk(child))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("eastwest_opt"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if not base.startswith("eastwest_opt"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.add(candidate if _exists(candidate) else base)
    return {m for m in out if m != module}


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        graph[_module_name(path)] = {m for m in _imports(path) if _exists(m)}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    """The check is not blind: a graph with a circle through three modules is caught."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_verifier_imports_neither_the_model_nor_the_solver() -> None:
    reach = _reach(_graph(), "eastwest_opt.plan.verify")
    bad = sorted(m for m in reach if m.startswith(("eastwest_opt.model", "eastwest_opt.solver", "eastwest_opt.api")))
    assert not bad, f"the verifier reaches {bad}"
    banned = "('eastwest_opt.model', 'eastwest_opt.solver', 'pyomo', 'highspy')"
    code = (
        "import sys; import eastwest_opt.plan.verify; "
        f"bad = [m for m in sys.modules if m.startswith({banned})]; print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_data_flows_one_way_between_the_subpackages() -> None:
    """scenario -> model -> solve -> plan -> api -> report/sweep -> cli: no stage imports a later one."""
    order = ["errors", "atomic", "scenario", "model", "solver", "plan", "api", "generate", "report", "sweeps", "cli"]
    rank = {name: i for i, name in enumerate(order)}

    def stage(module: str) -> str:
        return module.split(".")[1] if module.count(".") else ""

    for module, imported in _graph().items():
        if not stage(module) or stage(module) not in rank:
            continue
        for other in imported:
            if stage(other) in rank:
                assert rank[stage(other)] <= rank[stage(module)], f"{module} imports the later stage {other}"


def test_modules_and_functions_are_of_a_livable_size() -> None:
    """No module over 500 lines, no function over 80, except where its docstring says why."""
    too_long = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if text.count("\n") > 500:
            too_long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                limit = 80 if not isinstance(node, ast.ClassDef) else 300
                doc = ast.get_docstring(node) or ""
                if length > limit and "longer than" not in doc:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert not too_long, "\n".join(too_long)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed with the test extras")
def test_ruff_clean() -> None:
    result = subprocess.run(["ruff", "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_api_names_are_not_shadowed_by_subpackages() -> None:
    """Importing a subpackage sets it as an attribute of ``eastwest_opt``: none may carry the name
    of an API function (``ew.solve`` must stay the function after ``eastwest_opt.solver`` is used)."""
    code = (
        "import importlib, pkgutil, types, eastwest_opt as ew\n"
        "for m in pkgutil.walk_packages(ew.__path__, 'eastwest_opt.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in ew.__all__ if isinstance(getattr(ew, n), types.ModuleType)]\n"
        "print(bad); raise SystemExit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
