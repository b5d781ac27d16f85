"""``make demo``: one line per step, every exit code checked, a failure shown in full."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from tests.conftest import ROOT

DEMO = ROOT / "scripts" / "demo.py"


def test_the_demo_says_what_it_shows_in_a_few_lines():
    done = subprocess.run(
        [sys.executable, str(DEMO)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) <= 18 and done.stderr == ""
    steps = [line for line in lines if line.startswith(("ok ", "UNEXPECTED"))]
    assert len(steps) == 15 and all(line.startswith("ok ") for line in steps)
    assert "legacy: every Aurora RDS leftover: Found " in steps[0] and steps[0].endswith("(exit 1)")
    assert "migrated (Terraform + application code): No findings" in steps[4]
    assert "wrote build/review-legacy.md: FAIL" in steps[5]
    assert "wrote build/review-migrated-ts.md: PASS" in steps[8]
    assert "wrote build/review-migrated-tf.md: PASS" in steps[9]
    assert all("still true" in line for line in steps[10:])
    assert lines[-1].startswith("Reports: build/review-legacy.md")
    assert "Error" not in done.stdout and "ignored" not in done.stdout


def test_an_unexpected_exit_code_fails_the_step_and_shows_the_output(capsys, monkeypatch):
    spec = importlib.util.spec_from_file_location("demo", DEMO)
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "demo", demo)  # dataclasses look their module up
    spec.loader.exec_module(demo)
    assert demo.run(demo.Step("legacy", ("scan", "examples/legacy", "--no-cache"), 0)) is False
    shown = capsys.readouterr().out
    assert shown.startswith("UNEXPECTED legacy: Found ") and "(exit 1)" in shown
    assert "expected exit 0" in shown and "RDS001" in shown  # the whole report follows
