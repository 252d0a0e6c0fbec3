"""Outputs are written atomically: an interrupted write leaves the old plan or the new one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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


# ---------------------------------------------------------------------------------
# debris of killed writes: removed by the next write to the same place, never taken for results
# ---------------------------------------------------------------------------------
BLOCKING_WRITE = """
import sys, time
import pandas as pd
import eastwest_opt as ew
plan = ew.solve()
calls = {{"n": 0}}
real = pd.DataFrame.to_csv
def slow(self, *args, **kwargs):
    calls["n"] += 1
    if calls["n"] == {stop}:
        print("half-written", flush=True)
        time.sleep(600)  # killed here
    return real(self, *args, **kwargs)
pd.DataFrame.to_csv = slow
plan.write(sys.argv[1], overwrite=True)
"""


def _dead_pid() -> int:
    """The id of a process that has ended (and, this soon, not been given to another)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def _kill_mid_write(out: Path, stop: int) -> None:
    """Run ``plan.write(out, overwrite=True)`` in a process and kill -9 it after ``stop - 1`` tables."""
    proc = subprocess.Popen(
        [sys.executable, "-c", BLOCKING_WRITE.format(stop=stop), str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "half-written"
    finally:
        proc.kill()  # SIGKILL: no clean-up runs
        proc.wait()


def test_a_write_killed_mid_way_leaves_the_old_plan_and_debris_the_next_write_removes(
    plan: ew.Plan, tmp_path: Path
) -> None:
    out = plan.write(tmp_path / "plan")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _kill_mid_write(out, stop=4)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "the old plan is intact"
    debris = [p.name for p in tmp_path.iterdir() if p.name != "plan"]
    assert len(debris) == 1 and debris[0].startswith(".plan.tmp-"), debris
    plan.write(out, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"], "the next write removed the debris"
    report = ew.verify_plan(ew.load_scenario(), ew.read_plan(out))
    assert report.ok, report.violations


def test_planted_debris_is_removed_only_when_its_writer_is_gone(plan: ew.Plan, tmp_path: Path) -> None:
    from eastwest_opt.atomic import SAFE_AGE_S, host_tag

    dead, alive, host = _dead_pid(), os.getpid(), host_tag()
    day_ago = time.time() - SAFE_AGE_S - 60
    planted = {
        f".plan.tmp-{dead}-{host}-abc123": "removed",  # its writer was killed
        f".plan.old-{dead}-{host}-0f0f0f0f": "removed",
        f".plan.old-{dead}": "removed",  # the name an older version gave
        ".plan.tmp-k3j4l5m6": "kept",  # an older version's, without its process, recent: wait
        ".plan.tmp-a1b2c3d4": "removed",  # the same, older than the safe age
        f".plan.tmp-{alive}-{host}-zzz999": "kept",  # a write under way (this process)
        f".plan.tmp-{dead}-00000000-abc123": "kept",  # from another machine: its process cannot be told
        f".other.tmp-{dead}-{host}-abc123": "kept",  # beside another output
        ".plan.notes": "kept",  # not debris at all
    }
    for name in planted:
        (tmp_path / name).mkdir()
        (tmp_path / name / "placements.csv").write_text("job_id\n")
    os.utime(tmp_path / ".plan.tmp-a1b2c3d4", (day_ago, day_ago))
    plan.write(tmp_path / "plan")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["plan", *(n for n, fate in planted.items() if fate == "kept")])


CONCURRENT_WRITER = """
import sys
from pathlib import Path
from eastwest_opt.atomic import write_folder
me, out = sys.argv[1], Path(sys.argv[2])
def fill(tmp):
    for i in range(20):
        (tmp / f"part{i}.txt").write_text(me)
for _ in range(40):
    write_folder(out, fill, overwrite=True)
"""


def test_two_writers_replacing_the_same_folder_leave_one_complete_folder_and_no_debris(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    procs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, who, str(out)], stderr=subprocess.PIPE, text=True)
        for who in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err  # neither writer removed the other's work under way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"], "no debris"
    contents = {p.read_text() for p in out.iterdir()}
    assert len(list(out.iterdir())) == 20 and len(contents) == 1, "one writer's folder, whole"


def test_sweep_resume_never_takes_debris_for_results(tmp_path: Path) -> None:
    from eastwest_opt.atomic import host_tag
    from eastwest_opt.sweeps.store import ResultStore

    store = ResultStore(out=tmp_path / "sweep", spec_hash="h", meta={})
    store.prepare(overwrite=False)
    record = json.dumps({"variant_id": "v1", "status": "optimal", "spec_hash": "h"})
    dead, host = _dead_pid(), host_tag()
    planted = {
        f".v1.tmp-{dead}-{host}-abc123": "removed",  # killed just before its rename: a whole result inside
        f".v2.old-{dead}-{host}-0a0b0c0d": "removed",
        f".v2.tmp-{os.getpid()}-{host}-xyz789": "kept",  # being written now
    }
    for name in planted:
        (store.variants_dir / name).mkdir()
        (store.variants_dir / name / "result.json").write_text(record)
    assert store.resume(["v1", "v2"]) == {}, "no hidden folder counts as a finished variant"
    left = sorted(p.name for p in store.variants_dir.iterdir())
    assert left == sorted(n for n, fate in planted.items() if fate == "kept")
