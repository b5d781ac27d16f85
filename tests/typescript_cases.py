"""Small TypeScript/JavaScript cases whose expected findings are written beside the code.

A case is one file under tests/fixtures/typescript/<group>/ (or a directory of files, scanned as
one project). Its first line names the rules the case is about (``// select: RDS,DSQL006``, or
``// select: all`` for every rule the scan runs by default); a
line that must be reported ends with ``// expect: RDS001`` (several ids separated by commas, one
finding each). The installed ``dsql-scan`` scans a copy of the case with ``--preview`` and those
rules selected; the (rule, file, line) set it reports must be exactly the one the markers
give: a finding on another line, a missing one or one too many fails the case.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from tests.conftest import ROOT, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "typescript"
SELECT = re.compile(r"^\s*(?://|#)\s*select:\s*(.+?)\s*(?:\*/)?$")
EXPECT = re.compile(r"(?://|/\*|#)\s*expect:\s*([A-Z0-9, ]+)")


def cases(group: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / group).iterdir() if not p.name.startswith("."))


def files_of(case: Path) -> list[Path]:
    if case.is_file():
        return [case]
    return sorted(p for p in case.rglob("*") if p.is_file())


def selected(case: Path) -> str:
    for path in files_of(case):
        first = path.read_text(encoding="utf-8").splitlines()[:1]
        match = SELECT.match(first[0]) if first else None
        if match:
            return match.group(1).replace(" ", "")
    raise AssertionError(f"{case.name}: no '// select: RULES' first line")


def expected(case: Path) -> Counter:
    found: Counter = Counter()
    base = case if case.is_dir() else case.parent
    for path in files_of(case):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = EXPECT.search(line)
            if match:
                for rule in filter(None, (r.strip() for r in match.group(1).split(","))):
                    found[(rule, path.relative_to(base).as_posix(), number)] += 1
    return found


def scan_case(case: Path, destination: Path, *extra: str) -> tuple[int, list[dict]]:
    if case.is_dir():
        shutil.copytree(case, destination)
    else:
        destination.mkdir(parents=True)
        shutil.copy2(case, destination / case.name)
    rules = selected(case)
    select = () if rules == "all" else ("--select", rules)
    run = run_cli(
        "scan", ".", "--preview", "--no-cache", "--format", "json", *select, *extra,
        cwd=destination,
    )  # fmt: skip
    assert run.code in (0, 1), run.stderr
    return run.code, run.json()["findings"]


def found(findings: list[dict]) -> Counter:
    return Counter((f["rule"], f["path"], f["line"]) for f in findings)


def describe(keys: Counter) -> list[str]:
    return sorted(f"{rule} {path}:{line} x{n}" for (rule, path, line), n in keys.items())


def check(case: Path, destination: Path) -> list[dict]:
    """Scan the case; its findings must be exactly the ones its markers expect."""
    code, findings = scan_case(case, destination)
    want, got = expected(case), found(findings)
    extra, missing = describe(got - want), describe(want - got)
    assert not extra, f"reported but not expected: {extra}"
    assert not missing, f"expected but not reported: {missing}"
    assert code == (1 if want else 0)
    return findings
