"""The review templates ship inside the wheel and load from it, wherever it is run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from tests.conftest import ROOT, write
from tests.test_review import MIGRATED

IGNORED = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "examples")
TEMPLATES = ("scanner/reports/review.md.j2", "scanner/reports/review.html.j2")

RENDER_FROM_WHEEL = """
import sys
sys.path.insert(0, sys.argv[1])
import scanner
assert scanner.__file__.startswith(sys.argv[1]), scanner.__file__
from scanner.cli import main
sys.argv = ["dsql-scan", "review", ".", "-o", "out.html", "--reviewer", "CI <ci@example.com>"]
main()
"""


def test_wheel_contains_the_templates_and_renders_a_review_from_the_zip(tmp_path):
    # build from a copy: an in-tree build would leave build/ and egg-info in the checkout
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*IGNORED))
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("dsql_scan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for template in TEMPLATES:
        assert template in names
    project = write(tmp_path / "project", {"t.yaml": MIGRATED})
    run = subprocess.run(
        [sys.executable, "-c", RENDER_FROM_WHEEL, str(wheel)],
        cwd=project,
        capture_output=True,
        text=True,
        env={"SOURCE_DATE_EPOCH": "0", "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr
    html = (project / "out.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "Verdict: PASS" in html
