"""Several reports in one run: ``--format F -o FILE`` pairs, ``-o -`` for stdout, usage errors."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli, write
from tests.report_parsers import parse_github
from tests.sarif_schema import assert_valid_sarif
from tests.test_formats import LEGACY


@pytest.fixture
def project(tmp_path):
    return write(tmp_path / "project", {"legacy.yaml": LEGACY})


def test_pairs_are_matched_in_order(project, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.sarif"
    run = run_cli(
        "scan", ".", "--format", "json", "--output", str(a), "--format", "sarif", "-o", str(b),
        cwd=project,
    )  # fmt: skip
    assert run.code == 1
    assert run.stdout == ""
    findings = json.loads(a.read_text())["findings"]
    sarif = json.loads(b.read_text())
    assert_valid_sarif(sarif)
    assert len(sarif["runs"][0]["results"]) == len(findings) > 0
    assert "legacy.yaml:" in run.stderr and "Found" in run.stderr  # text report on stderr


def test_dash_sends_one_report_to_stdout(project, tmp_path):
    sarif = tmp_path / "r.sarif"
    run = run_cli(
        "scan", ".", "--format", "github", "-o", "-", "--format", "sarif", "-o", str(sarif),
        cwd=project,
    )  # fmt: skip
    assert run.code == 1
    commands = parse_github(run.stdout)
    assert len(commands) == len(json.loads(sarif.read_text())["runs"][0]["results"])
    assert "Found" in run.stderr and "legacy.yaml:" not in run.stderr  # summary only


def test_single_output_file_keeps_working(project, tmp_path):
    report = tmp_path / "report.json"
    run = run_cli("scan", ".", "--format", "json", "-o", str(report), cwd=project)
    assert run.code == 1 and run.stdout == ""
    assert json.loads(report.read_text())["summary"]["failed"] is True
    plain = run_cli("scan", ".", "--format", "json", cwd=project)
    assert json.loads(plain.stdout) == json.loads(report.read_text())
    assert plain.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "json", "--format", "sarif", "-o", "a.json"], "-o/--output"),
        (["--format", "json", "--format", "sarif"], "-o/--output each"),
        (["--format", "json", "-o", "-", "--format", "text", "-o", "-"], "standard output"),
        (["--format", "json", "-o", "x", "--format", "sarif", "-o", "x"], "same -o/--output"),
        (["--format", "yaml"], "yaml"),
    ],
)
def test_mismatched_outputs_are_usage_errors(project, args, message):
    run = run_cli("scan", ".", *args, cwd=project)
    assert run.code == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert not list(project.parent.glob("a.json")) and not (project / "x").exists()


def test_unwritable_output_is_a_usage_error(project, tmp_path):
    target = str(tmp_path / "no" / "r.sarif")
    run = run_cli("scan", ".", "--format", "sarif", "-o", target, cwd=project)
    assert run.code == 2 and "cannot write" in run.stderr and "Traceback" not in run.stderr
