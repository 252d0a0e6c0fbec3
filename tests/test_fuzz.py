"""Property-based tests: random valid scenarios always give a verified plan or an explanation;
corrupted scenario folders always give a clean one-line error, never a traceback."""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

import pytest
from corrupt import CORRUPTIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bruteforce import make_instance, write_instance
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.scenario import shipped_scenario_path

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(seed=st.integers(min_value=1000, max_value=10**6))
def test_random_valid_scenarios_give_a_verified_plan_or_an_explanation(seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_instance(make_instance(seed), Path(tmp) / "s")
        try:
            scenario = ew.load_scenario(folder)
        except ew.ScenarioError as exc:  # only the backbone checks may reject a generated scenario
            assert "no route can carry the copies" in str(exc) or "cannot be reached" in str(exc)
            return
        try:
            plan = ew.solve(scenario)
        except ew.InfeasibleError as exc:
            assert exc.explanation is not None and len(exc.explanation) > 0
            assert str(exc).startswith(f"scenario {scenario.name!r} has no feasible plan: ")
            return
        assert plan.verified
        assert plan.status == "optimal"


def _solve_cleanly(folder: Path) -> None:
    """``solve`` ends with a known exit code, no traceback, and (for invalid input) only error lines."""
    result = CliRunner().invoke(app, ["solve", str(folder), "--time-limit", "10"])
    assert result.exit_code in (0, 2, 3, 4), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    if result.exit_code == 2:
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert lines and all(line.startswith(("error: ", "warning: ")) for line in lines), result.output


NEW_KINDS = (
    "duplicate_column",
    "empty_table",
    "extreme_value",
    "yaml_bomb",
    "yaml_duplicate_key",
    "yaml_tag",
    "yaml_bad_value",
    "table_entry",
)


@pytest.mark.parametrize("kind", NEW_KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_kind_of_corruption_fails_cleanly(kind: str, seed: int, tmp_path: Path) -> None:
    """Every kind at least a few times, whatever the random draw of the property test below picks."""
    folder = tmp_path / "s"
    shutil.copytree(shipped_scenario_path(), folder)
    CORRUPTIONS[kind](folder, random.Random(seed))
    _solve_cleanly(folder)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    kinds=st.lists(st.sampled_from(sorted(CORRUPTIONS)), min_size=1, max_size=3),
)
def test_corrupted_scenarios_fail_cleanly(seed: int, kinds: list[str]) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "s"
        shutil.copytree(shipped_scenario_path(), folder)
        for kind in kinds:
            try:
                CORRUPTIONS[kind](folder, rng)
            except Exception:  # the corruption itself did not apply (e.g. a file already removed)
                continue
        _solve_cleanly(folder)
