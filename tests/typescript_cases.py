"""Small TypeScript/JavaScript cases whose expected findings are written beside the code.

A case is one file under tests/fixtures/typescript/<group>/ (or a directory of files, scanned as
one project), marked as tests/marked_cases.py describes (``// select: RDS,DSQL006`` on the first
line, ``// expect: RDS001`` at the end of a line that must be reported). TypeScript is a preview
input, so the installed ``dsql-scan`` scans each case with ``--preview``.
"""

from __future__ import annotations

from tests.conftest import ROOT
from tests.marked_cases import MarkedCases

TYPESCRIPT = MarkedCases(ROOT / "tests" / "fixtures" / "typescript", preview=True)
FIXTURES = TYPESCRIPT.root
cases = TYPESCRIPT.cases
check = TYPESCRIPT.check
scan_case = TYPESCRIPT.scan_case
