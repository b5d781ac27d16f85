"""Small cases in any input language whose expected findings are written beside the code.

A case is one file under ``<fixtures>/<group>/`` (or a directory of files, scanned as one
project). Its first line names the rules the case is about (``// select: RDS,DSQL006``,
``# select: RDS,SCAN``, or ``select: all`` for every rule the scan runs by default); a line that
must be reported ends with ``// expect: RDS001`` or ``# expect: RDS001`` (several ids separated
by commas, one finding each). The installed ``dsql-scan`` scans a copy of the case with those
rules selected; the (rule, file, line) set it reports must be exactly the one the markers give:
a finding on another line, a missing one or one too many fails the case.

A file that cannot carry a comment (a ``.tf.json`` configuration) has its expectations given
by the test instead (``check(..., also=...)``), anchored on the text of the line.

One :class:`MarkedCases` per fixture root: TypeScript cases are scanned with ``--preview`` (a
preview input), Terraform cases without it (a default input), so the tests see what a user
sees.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import run_cli

SELECT = re.compile(r"^\s*(?://|#)\s*select:\s*(.+?)\s*(?:\*/)?$")
EXPECT = re.compile(r"(?://|/\*|#)\s*expect:\s*([A-Z0-9, ]+)")

Key = tuple[str, str, int]  # (rule, path relative to the case, line)


def files_of(case: Path) -> list[Path]:
    if case.is_file():
        return [case]
    return sorted(p for p in case.rglob("*") if p.is_file())


def selected(case: Path) -> str:
    """The rules the case selects: the first ``select:`` first line of its files."""
    for path in files_of(case):
        first = path.read_text(encoding="utf-8").splitlines()[:1]
        match = SELECT.match(first[0]) if first else None
        if match:
            return match.group(1).replace(" ", "")
    raise AssertionError(f"{case.name}: no 'select: RULES' first line")


def expected(case: Path) -> Counter:
    """Every (rule, file, line) the case's ``expect:`` markers name, with its multiplicity."""
    found: Counter = Counter()
    base = case if case.is_dir() else case.parent
    for path in files_of(case):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = EXPECT.search(line)
            if match:
                for rule in filter(None, (r.strip() for r in match.group(1).split(","))):
                    found[(rule, path.relative_to(base).as_posix(), number)] += 1
    return found


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the only occurrence of ``text`` in a fixture file."""
    numbered = enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
    lines = [number for number, line in numbered if text in line]
    assert len(lines) == 1, f"{text!r} is on lines {lines} of {path.name}, not on one"
    return lines[0]


def found(findings: list[dict]) -> Counter:
    return Counter((f["rule"], f["path"], f["line"]) for f in findings)


def describe(keys: Counter) -> list[str]:
    return sorted(f"{rule} {path}:{line} x{n}" for (rule, path, line), n in keys.items())


@dataclass(frozen=True)
class MarkedCases:
    """The cases under one fixture root, and how the installed command scans them."""

    root: Path
    preview: bool = False  # pass --preview: the language is a preview input

    def cases(self, group: str) -> list[Path]:
        return sorted(p for p in (self.root / group).iterdir() if not p.name.startswith("."))

    def scan_case(self, case: Path, destination: Path, *extra: str) -> tuple[int, list[dict]]:
        """Copy the case to ``destination`` and scan it there, as its own project."""
        if case.is_dir():
            shutil.copytree(case, destination)
        else:
            destination.mkdir(parents=True)
            shutil.copy2(case, destination / case.name)
        rules = selected(case)
        select = () if rules == "all" else ("--select", rules)
        preview = ("--preview",) if self.preview else ()
        run = run_cli(
            "scan", ".", *preview, "--no-cache", "--format", "json", *select, *extra,
            cwd=destination,
        )  # fmt: skip
        assert run.code in (0, 1), run.stderr
        return run.code, run.json()["findings"]

    def check(
        self, case: Path, destination: Path, *extra: str, also: Counter | None = None
    ) -> list[dict]:
        """Scan the case; its findings must be exactly the ones its markers (and ``also``)
        expect."""
        code, findings = self.scan_case(case, destination, *extra)
        want, got = expected(case) + (also or Counter()), found(findings)
        surplus, missing = describe(got - want), describe(want - got)
        assert not (surplus or missing), (
            f"reported but not expected: {surplus}; expected but not reported: {missing}"
        )
        assert code == (1 if want else 0)
        return findings
