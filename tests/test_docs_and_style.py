"""The formulation in models/ matches the code, and the code is ruff clean."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from eastwest_opt import model, prepare, verify

ROOT = Path(__file__).resolve().parents[1]


def _families() -> list[str]:
    names = [n[len("add_") :] for n, _ in inspect.getmembers(model, inspect.isfunction) if n.startswith("add_")]
    return [n for n in names if n not in ("sets_and_parameters", "variables")]


def test_every_constraint_family_is_written_in_models_under_its_code_name() -> None:
    text = (ROOT / "models" / "placement.md").read_text()
    headings = set(re.findall(r"^## (\w+)", text, flags=re.M))
    for family in [*_families(), "localization"]:
        assert family in headings, f"models/placement.md has no section '## {family}'"
    assert callable(prepare.localization)


def test_every_family_function_states_its_mathematics() -> None:
    for family in _families():
        doc = inspect.getdoc(getattr(model, f"add_{family}")) or ""
        assert doc.startswith(f"{family}:"), f"add_{family} docstring must start with '{family}:'"
        assert any(op in doc for op in ("<=", ">=", "=")), f"add_{family} docstring states no relation"


def test_verifier_checks_every_model_family() -> None:
    for family in _families():
        assert family in verify.FAMILIES, f"the verifier does not check {family}"


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed with the test extras")
def test_ruff_clean() -> None:
    result = subprocess.run(["ruff", "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
