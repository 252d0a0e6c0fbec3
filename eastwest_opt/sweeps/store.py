"""A sweep's results on disk: one folder per finished variant, a manifest, atomic writes.

:class:`ResultStore` is used by the parent process only: it writes ``variants/<id>/`` (the plan
tables, ``summary.json``, ``explanation.csv`` for an infeasible variant, and ``result.json``
last) into a temporary folder and renames it into place, so a variant folder with a
``result.json`` is complete, and a kill at any moment loses at most the variants that were still
being solved. ``manifest.json`` (the spec hash, the variant ids, the status of each finished one)
is rewritten atomically after each variant; on a rerun the ``result.json`` files are the truth.
:func:`write_json_atomic` and :func:`write_frame_atomic` write one file through a temporary
file beside it, with the permissions the user's umask gives ordinary files.

Every write goes through :mod:`eastwest_opt.atomic`. The debris a kill leaves (``.<id>.tmp-*``,
``.<id>.old-*`` in ``variants/``, ``.manifest.json.tmp-*`` beside the manifest) is removed once its
process is gone: beside a file by the next write of that file, in ``variants/`` by
:meth:`ResultStore.resume`, which never takes a hidden entry for a result (and leaves a write still
under way in another process alone).
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.atomic import is_debris, write_file, write_folder
from eastwest_opt.sweeps.core import TABLES, OutputExistsError
from eastwest_opt.sweeps.solve import VariantResult
from eastwest_opt.sweeps.spec import SweepSpec

RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
VARIANTS_DIR = "variants"
PARETO_ENDS_FILE = "pareto_ends.json"
SPEC_COPY_FILE = "sweep.json"


# ---------------------------------------------------------------------------------
# atomic files
# ---------------------------------------------------------------------------------
def _write_atomic(path: Path, fill: Callable[[str], None]) -> None:
    """Have ``fill`` write a temporary file beside ``path``, then move it into place."""
    write_file(path, lambda tmp: fill(str(tmp)))


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file beside ``path`` and move it into place."""
    _write_atomic(path, lambda tmp: Path(tmp).write_text(json.dumps(data, indent=2, default=_json_default) + "\n"))


def write_frame_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV or Parquet (by suffix) through a temporary file."""

    def fill(tmp: str) -> None:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, float_format="%.10g")

    _write_atomic(path, fill)


def write_spec_copy(out: Path, spec: SweepSpec) -> None:
    """Keep the parsed sweep beside its results (``sweep.json``)."""
    write_json_atomic(out / SPEC_COPY_FILE, json.loads(spec.canonical) | {"name": spec.name, "file": spec.file})


def _json_default(value: Any) -> Any:
    """JSON for values ``json`` does not know: numpy scalars as numbers, anything else as text."""
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------
# the output folder
# ---------------------------------------------------------------------------------
@dataclass
class ResultStore:
    """The output folder of a sweep: one folder per finished variant, a manifest, the summary."""

    out: Path
    spec_hash: str
    meta: dict[str, Any]
    variant_ids: list[str] = field(default_factory=list)
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def variants_dir(self) -> Path:
        """The folder holding one folder per finished variant."""
        return self.out / VARIANTS_DIR

    def prepare(self, *, overwrite: bool) -> None:
        """Create the folder, or check that it holds this very sweep (to resume it).

        A folder holding another sweep (a different spec hash) is refused unless ``overwrite``;
        ``overwrite`` discards earlier results. A non-empty folder that is not a sweep folder is
        refused even then (nothing but sweep results is ever deleted).
        """
        holds_results = _holds_results(self.out, self.spec_hash, overwrite=overwrite)
        if holds_results and overwrite:
            _discard(self.out)
        self.variants_dir.mkdir(parents=True, exist_ok=True)

    def resume(self, variant_ids: list[str], *, retry_failed: bool = False) -> dict[str, dict[str, Any]]:
        """The records of the variants already finished (their ``result.json``), by id.

        Leftovers of writes interrupted by a kill are removed. With ``retry_failed`` the
        variants that ended in an error or without a solution count as not finished.
        """
        self.variant_ids = list(variant_ids)
        wanted = set(self.variant_ids)
        self.finished = {}
        for entry in sorted(self.variants_dir.iterdir()):
            if entry.name.startswith("."):  # never a result: a write under way, or one a kill interrupted
                if is_debris(entry):
                    _remove(entry)
                continue
            record = _read_record(entry / RESULT_FILE)
            if record is None or record.get("spec_hash") != self.spec_hash or entry.name not in wanted:
                continue
            if retry_failed and record.get("status") in ("error", "no_solution"):
                continue
            self.finished[entry.name] = record
        self.write_manifest()
        return dict(self.finished)

    def write(self, result: VariantResult) -> dict[str, Any]:
        """Write one variant's folder atomically, then the manifest; return its record."""
        record = dict(result.record)
        vid = str(record["variant_id"])
        record.update(spec_hash=self.spec_hash, finished_at=_now())
        record = _clean(record)
        _write_variant_folder(self.variants_dir, vid, result, record)
        self.finished[vid] = record
        self.write_manifest()
        return record

    def write_manifest(self, *, complete: bool = False) -> None:
        """Rewrite ``manifest.json``: the variants, each finished one's status, the counts."""
        counts: dict[str, int] = {}
        for record in self.finished.values():
            counts[str(record.get("status"))] = counts.get(str(record.get("status")), 0) + 1
        write_json_atomic(
            self.out / MANIFEST_FILE,
            {
                **self.meta,
                "spec_hash": self.spec_hash,
                "updated": _now(),
                "total": len(self.variant_ids),
                "finished": len(self.finished),
                "complete": complete or len(self.finished) == len(self.variant_ids),
                "counts": counts,
                "variants": [{"id": v, "status": self.finished.get(v, {}).get("status")} for v in self.variant_ids],
            },
        )


def _holds_results(out: Path, spec_hash: str, *, overwrite: bool) -> bool:
    """Whether ``out`` holds results that are to be discarded or resumed: raise
    :class:`OutputExistsError` when it is not a folder, holds something other than sweep
    results, or holds another sweep and ``overwrite`` is not given. Returns True when it holds
    sweep results (of this sweep, or of another that ``overwrite`` discards)."""
    manifest = out / MANIFEST_FILE
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out}: exists and is not a folder")
    if not (out.is_dir() and any(out.iterdir())):
        return False
    if not manifest.is_file() and not (out / VARIANTS_DIR).is_dir():
        raise OutputExistsError(
            f"{out}: folder exists and holds no sweep results (no {MANIFEST_FILE}); choose an empty or new --out folder"
        )
    if _read_hash(manifest) != spec_hash and not overwrite:
        raise OutputExistsError(
            f"{out}: holds the results of a different sweep (the sweep file, its base scenario "
            "or the solver settings changed); pass --overwrite to discard them, or choose another --out"
        )
    return True


def _remove(entry: Path) -> None:
    """Remove a file or a folder with everything in it."""
    if entry.is_dir():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def _discard(out: Path) -> None:
    """Remove earlier sweep results (and nothing else) from the output folder."""
    for name in (VARIANTS_DIR, "plots"):
        shutil.rmtree(out / name, ignore_errors=True)
    for entry in out.iterdir():
        if entry.is_file() and (
            entry.name in (MANIFEST_FILE, PARETO_ENDS_FILE)
            or entry.name.startswith(("summary.", "hubs.", "pareto.", "sweep.", "."))
        ):
            entry.unlink(missing_ok=True)


def _write_variant_folder(variants_dir: Path, vid: str, result: VariantResult, record: dict[str, Any]) -> None:
    """Write ``variants/<vid>/`` into a temporary folder (``result.json`` last) and rename it into
    place, replacing an unfinished or retried variant's folder."""

    def fill(tmp: Path) -> None:
        if result.tables is not None:
            for name in TABLES:
                result.tables[name].to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
        if result.plan_summary is not None:
            (tmp / "summary.json").write_text(json.dumps(_clean(result.plan_summary), indent=2) + "\n")
        if result.explanation is not None:
            result.explanation.to_csv(tmp / "explanation.csv", index=False)
        (tmp / RESULT_FILE).write_text(json.dumps(record, indent=2, default=_json_default) + "\n")

    write_folder(variants_dir / vid, fill, overwrite=True, clear=False)  # resume() cleared variants/


def _read_hash(manifest: Path) -> str | None:
    """The spec hash a manifest names, or None if it cannot be read."""
    try:
        return str(json.loads(manifest.read_text()).get("spec_hash"))
    except (OSError, ValueError, AttributeError):
        return None


def _read_record(path: Path) -> dict[str, Any] | None:
    """A variant's ``result.json``, or None when it is missing or incomplete."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "status" in record else None
