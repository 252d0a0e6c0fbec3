"""Outputs are written atomically: an interrupted write leaves the old plan or the new one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import eastwest_opt as ew
from eastwest_opt.errors import OutputExistsError


@pytest.fixture(scope="module")
def plan() -> ew.Plan:
    return ew.solve()


def test_write_then_read_round_trip_verifies(plan: ew.Plan, tmp_path: Path) -> None:
    out = plan.write(tmp_path / "plan")
    again = ew.read_plan(out)
    report = ew.verify_plan(ew.load_scenario(), again)
    assert report.ok, report.violations
    assert again.objective_cny == pytest.approx(plan.objective_cny, rel=1e-9)


def test_existing_folder_is_not_clobbered(plan: ew.Plan, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    out.mkdir()
    with pytest.raises(OutputExistsError, match="output folder exists; pass --overwrite"):
        plan.write(out)
    assert list(out.iterdir()) == []


def test_interrupted_write_keeps_the_old_output(plan: ew.Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = plan.write(tmp_path / "plan")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = {"n": 0}
    real = pd.DataFrame.to_csv

    def failing(self: pd.DataFrame, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the planner presses Ctrl-C half way through
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(KeyboardInterrupt):
        plan.write(out, overwrite=True)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before, "the old output is intact"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"], "no temporary folder is left behind"
    monkeypatch.undo()
    plan.write(out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(before)
