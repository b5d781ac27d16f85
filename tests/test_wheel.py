"""The built wheel, installed into a fresh virtualenv, works from any directory: rules and
report templates ship inside it, and it installs no generic top-level `rules`/`reports` names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("dsql_scan-*.whl")
    return built


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "scanner/reports/__init__.py" in names
    families = (
        "rds/_common.py",
        "rds/rds001_rds_cluster.py",
        "sql/catalogue.py",
        "deploy/__init__.py",
        "scan/scan001_parse_error.py",
    )
    assert {f"scanner/rules/{module}" for module in families} <= set(names)
    assert {"scanner/reports/review.md.j2", "scanner/reports/review.html.j2"} <= set(names)
    assert "scanner/rules/examples.json" in names  # the examples written as files, for `rules ID`
    assert not any(n.startswith(("rules/", "reports/", "tests/")) for n in names)


def test_installed_wheel_runs_from_another_directory(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)]
    subprocess.run(pip, check=True, capture_output=True, timeout=600)
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = subprocess.run(
        [str(env_dir / "bin" / "dsql-scan"), "scan", str(EXAMPLES), "--format", "json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert {f["rule"] for f in findings} >= {"RDS001", "RDS005", "RDS008"}
    rules = subprocess.run(
        [str(env_dir / "bin" / "dsql-scan"), "rules", "RDS001"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert rules.returncode == 0 and "rds-cluster" in rules.stdout
    assert "Example in TypeScript (cdk-fires.ts, fires 3x on lines 10, 14, 18" in rules.stdout
    # the review templates load from the installed package, wherever it runs; the wheel alone
    # has no dsql-lint (the app's SQL would be unchecked and the review honestly NOT
    # EVIDENCED): hand it the linter of the test environment
    linted = {**os.environ, "DSQL_SCAN_DSQL_LINT": str(Path(sys.executable).parent / "dsql-lint")}
    review = subprocess.run(
        [
            str(env_dir / "bin" / "dsql-scan"),
            "review",
            str(EXAMPLES / "migrated" / "cloudformation"),
            str(EXAMPLES / "migrated" / "app"),  # the health check: a review speaks for a system
            "-o",
            "r.html",
        ],
        cwd=work,
        env=linted,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert review.returncode == 0, review.stderr
    assert "Verdict: PASS" in (work / "r.html").read_text()
    verify = subprocess.run(
        [str(env_dir / "bin" / "dsql-scan"), "verify", "r.html"],
        cwd=work,
        env=linted,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # Without the `sql` extra (and with no dsql-lint on PATH), a .sql file fails the gate.
    (work / "V1__init.sql").write_text("CREATE TABLE t (id SERIAL PRIMARY KEY);\n")
    sql = subprocess.run(
        [str(env_dir / "bin" / "dsql-scan"), "scan", "V1__init.sql", "--format", "json"],
        cwd=work,
        env={"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sql.returncode == 1, sql.stderr
    (finding,) = json.loads(sql.stdout)["findings"]
    assert finding["rule"] == "SCAN004" and "dsql-lint is not installed" in finding["message"]
