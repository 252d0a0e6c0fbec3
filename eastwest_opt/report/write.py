"""Writing the report: :func:`write_report` for a plan in memory, :func:`report_folder` for a plan
folder written by ``solve --out``; each file is written atomically.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from eastwest_opt.atomic import write_file
from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.plan.plan import read_plan
from eastwest_opt.plan.verdict import VerificationReport
from eastwest_opt.plan.verify import verify_plan
from eastwest_opt.report.canvas import png_bytes
from eastwest_opt.report.charts import figures
from eastwest_opt.report.data import ReportData, check_plan
from eastwest_opt.report.page import page_html
from eastwest_opt.scenario import load_scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from eastwest_opt.plan.plan import Plan
    from eastwest_opt.scenario import Scenario

REPORT_FILE = "report.html"


def write_report(
    plan: Plan,
    scenario: Scenario,
    out_html: str | Path,
    png_dir: str | Path | None = None,
    *,
    figs: dict[str, Figure] | None = None,
) -> Path:
    """Write the report as one self-contained HTML file and each figure as ``<name>.png``.

    The PNG files go into ``png_dir`` (default: the HTML file's folder). Every file is written
    to a temporary file beside its target and moved into place, so an interrupted run leaves
    the old file or the new one, never half of one. Returns the HTML file's path.
    """
    out = Path(out_html)
    folder = Path(png_dir) if png_dir is not None else out.parent
    data = ReportData.of(plan, scenario)
    drawn = figs if figs is not None else figures(plan, scenario)
    pngs = {name: png_bytes(fig) for name, fig in drawn.items()}
    files = {folder / f"{name}.png": blob for name, blob in pngs.items()}
    files[out] = page_html(data, pngs).encode("utf-8")
    target = out
    try:
        folder.mkdir(parents=True, exist_ok=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        for target, blob in files.items():
            _atomic_write(target, blob)
    except OSError as exc:
        raise ScenarioError([Problem(str(target), f"cannot write the report: {exc.strerror or exc}")]) from exc
    return out


def report_folder(
    plan_dir: str | Path,
    *,
    scenario: str | Path | None = None,
    out_html: str | Path | None = None,
) -> Path:
    """Write the report of a plan folder written by ``solve --out``; return the HTML file.

    The scenario is, in order: ``scenario`` if given, the folder (or workbook) recorded as ``scenario_path``
    in the plan's ``summary.json`` if it still exists, or the shipped scenario. The HTML goes to
    ``out_html`` (default ``PLAN_DIR/report.html``) and the PNG files beside it.

    The plan is checked against the scenario by the independent verifier first: a report drawn
    with the wrong scenario (or one edited since the solve) would show the wrong prices, hubs or
    costs, so a plan with any violation is refused (:class:`ScenarioError`, exit code 2), as is
    a missing or broken plan folder.
    """
    plan = read_plan(plan_dir)
    path: str | Path | None = scenario
    if path is None and plan.scenario_path and Path(plan.scenario_path).exists():  # a folder or a workbook
        path = plan.scenario_path
    sc = load_scenario(path)
    out = Path(out_html) if out_html is not None else Path(plan_dir) / REPORT_FILE
    check_plan(plan, sc)
    plan = replace(plan, verification=_verified(plan, sc, plan_dir))
    try:
        drawn = figures(plan, sc)
    except (KeyError, ValueError, TypeError) as exc:  # a table with the right columns but odd values
        raise ScenarioError(
            [Problem(str(plan_dir), f"plan tables cannot be drawn: {type(exc).__name__}: {exc}")]
        ) from exc
    return write_report(plan, sc, out, figs=drawn)


def _verified(plan: Plan, sc: Scenario, plan_dir: str | Path) -> VerificationReport:
    """The verifier's report on ``plan`` against ``sc``; a plan it cannot read or that has any
    violation is refused (:class:`ScenarioError`)."""
    try:
        verdict = verify_plan(sc, plan)
    except (KeyError, ValueError, TypeError) as exc:  # tables the verifier cannot read
        raise ScenarioError(
            [Problem(str(plan_dir), f"plan tables cannot be checked: {type(exc).__name__}: {exc}")]
        ) from exc
    if not verdict.ok:
        n = len(verdict.violations)
        raise ScenarioError(
            [
                Problem(
                    str(plan_dir),
                    f"the plan does not verify against scenario {sc.name!r} ({n:,} violation{'s' if n > 1 else ''}, "
                    f"first: {verdict.violations[0]}); draw it with the scenario it was solved for (--scenario), "
                    "or see every violation with 'eastwest-opt verify'",
                )
            ]
        )
    return verdict


def _atomic_write(target: Path, blob: bytes) -> None:
    """Write ``blob`` to a temporary file beside ``target`` and move it into place
    (:func:`eastwest_opt.atomic.write_file`, which also clears what a killed write left there)."""
    write_file(target, lambda tmp: tmp.write_bytes(blob))
