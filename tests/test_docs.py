"""The README's rule table is generated; this keeps it from drifting."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_generated_rule_docs_are_current():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_rules.py")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
