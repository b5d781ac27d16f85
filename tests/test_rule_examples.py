"""Every documented example of every rule, run through the real engine.

The examples are the rule's documentation (``dsql-scan rules ID``), so this test is what keeps
the docs honest: an example that says "fires twice on lines 3 and 7" must do exactly that.

Examples come in two forms. Inline examples are part of a rule's declaration (``Example``).
Fixture examples are real files under ``tests/fixtures/rules/<RULE ID>/`` (``fires.json``,
``clean.yaml``, ``fires.py``, later ``fires.tf`` or ``clean.ts``), so that editors and linters
see real JSON, TypeScript or HCL rather than strings. A fixture's first line is its expectation
header, in the language's comment syntax::

    # dsql-scan-example: fires=2 lines=3,7        (YAML, Python, HCL)
    -- dsql-scan-example: fires=1 lines=2         (SQL)
    // dsql-scan-example: fires=0                 (TypeScript, JavaScript)

A language without comments (JSON) keeps the header line in a sibling ``<file>.expect``. An
example of several files (a CDK app whose stacks live in modules of their own) is a directory
``tests/fixtures/rules/<RULE ID>/<name>/``, copied as it is: exactly one of its files carries the
header, and line numbers are those of the findings, in whichever file. Files that several such
examples of a rule share live once, in ``<RULE ID>/_shared/<group>/``: they are copied into every
directory fixture whose name starts with ``<group>`` (before its own files). Each fixture is scanned
alone, like an inline example (an opt-in rule selected), its findings of the
rule counted and their lines compared; then the text report of that scan is compared with the
snapshot ``<file>.snap`` (``<name>.snap`` for a directory) beside it. After an intended change of the report, rewrite the
snapshots and review their diff:

    DSQL_SCAN_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_rule_examples.py

The report is rendered in-process by the text reporter, from the same scan: running
``dsql-scan scan`` per fixture costs about 1.2 s against 0.1 s, which would grow with a fixture
per rule and language.

Finally, each kind a rule applies to (``Rule.kinds``, but ``project``) must have at least one
example of that kind, inline (``Example.kind``) or fixture (the kind of facts its file was
analysed into; the registry's input for its name when it has no facts, a file that could not be
parsed).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pytest

from scanner.config import Config, load
from scanner.inputs import for_name
from scanner.pipeline.engine import scan
from scanner.reporters import renderer
from scanner.results import ScanResult
from scanner.rules import ALL_RULES, BY_ID, Example, Rule
from scanner.rules.sql._common import CATCH_ALL
from tests.conftest import write

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
NOT_FIXTURES = (".snap", ".expect", ".md")
COMMENTS = {".yaml": "#", ".yml": "#", ".py": "#", ".tf": "#", ".sql": "--", ".ts": "//"}
COMMENTS |= {".js": "//", ".tsx": "//"}
HEADER = re.compile(r"dsql-scan-example:\s*fires=(\d+)(?:\s+lines=(\d+(?:,\d+)*))?\s*$")
UPDATE = os.environ.get("DSQL_SCAN_UPDATE_SNAPSHOTS") == "1"


@dataclass(frozen=True)
class Fixture:
    """One fixture file and what its header says it must produce."""

    path: Path  # the file with the header
    fires: int
    lines: tuple[int, ...]
    root: Path  # the fixture: that file, or the directory holding it and its companions

    @property
    def rule(self) -> Rule:
        return BY_ID[self.root.parent.name]

    @property
    def id(self) -> str:
        return f"{self.root.parent.name}-{self.root.name}"

    @property
    def snapshot(self) -> Path:
        return self.root.with_name(self.root.name + ".snap")

    @property
    def rel(self) -> str:
        """The header file's path as the scan reports it."""
        return self.path.relative_to(self.root).as_posix() if self.root.is_dir() else self.path.name


def header_line(path: Path) -> str:
    """The expectation header: the first line, after the comment marker of the file's language;
    for a language without comments, the line in ``<file>.expect``."""
    marker = COMMENTS.get(path.suffix.lower())
    if marker is None:
        return path.with_name(path.name + ".expect").read_text(encoding="utf-8").strip()
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii").strip()
    assert first.startswith(marker), f"{path}: first line must be a {marker} comment"
    return first.removeprefix(marker).strip()


def _has_header(path: Path) -> bool:
    try:
        return bool(HEADER.fullmatch(header_line(path)))
    except (AssertionError, OSError, UnicodeDecodeError):
        return False


def fixture(root: Path) -> Fixture:
    path = root
    if root.is_dir():
        members = [p for p in sorted(root.rglob("*")) if p.is_file() and _has_header(p)]
        assert len(members) == 1, f"{root}: exactly one file must carry the header, not {members}"
        (path,) = members
    match = HEADER.fullmatch(header_line(path))
    assert match, f"{path}: no 'dsql-scan-example: fires=N [lines=3,7]' header"
    lines = tuple(int(n) for n in match.group(2).split(",")) if match.group(2) else ()
    return Fixture(path, int(match.group(1)), lines, root)


def fixtures() -> list[Fixture]:
    found = sorted(p for p in FIXTURES.glob("*/*") if not p.name.endswith(NOT_FIXTURES))
    return [fixture(p) for p in found if not p.name.startswith("_")]


def shared_files(root: Path) -> list[Path]:
    """The ``_shared`` groups a directory fixture starts with, as directories to copy in."""
    groups = root.parent / "_shared"
    if not groups.is_dir():
        return []
    return [g for g in sorted(groups.iterdir()) if root.name.startswith(g.name)]


FIXTURE_CASES = fixtures()


def scan_alone(directory: Path, rule: Rule) -> ScanResult:
    """Scan an example's directory as the rule's documentation promises: with the configuration
    the example shows (its ``pyproject.toml``), and the rule selected if it is opt-in."""
    config_file = directory / "pyproject.toml"
    config = load(str(config_file)) if config_file.is_file() else Config(root=directory)
    if rule.opt_in:
        config = replace(config, extend_select=(rule.id,))
    return scan((str(directory),), config)


@cache
def fixture_scan(case: Fixture) -> ScanResult:
    """The fixture copied alone into an empty directory, under its own name, and scanned."""
    with tempfile.TemporaryDirectory(prefix="dsql-scan-example-") as tmp:
        directory = Path(tmp)
        if case.root.is_dir():
            for group in shared_files(case.root):
                shutil.copytree(group, directory, dirs_exist_ok=True)
            shutil.copytree(case.root, directory, dirs_exist_ok=True)
        else:
            (directory / case.path.name).write_bytes(case.path.read_bytes())
        return scan_alone(directory, case.rule)


def fixture_kind(case: Fixture) -> str:
    """The kind of facts the fixture's file is to the rules: what its input analysed it into,
    or, for a file that could not be analysed, the one kind its input produces."""
    reader = for_name(case.path.name)
    assert reader is not None, f"{case.path}: no input reads a file of this name"
    (analysis,) = (f for f in fixture_scan(case).files if f.path == case.rel)
    if analysis.facts is not None:
        assert analysis.facts.kind in reader.kinds, (case.path, analysis.facts.kind)
        return analysis.facts.kind
    assert len(reader.kinds) == 1, f"{case.path}: not analysed, and {reader.name} has kinds"
    return str(reader.kinds[0])


def hits_of(result: ScanResult, rule: Rule) -> list[tuple[int, str]]:
    return [(f.location.line, f.message) for f in result.findings if f.rule == rule.id]


def assert_fires(result: ScanResult, rule: Rule, fires: int, lines: tuple[int, ...]) -> None:
    hits = hits_of(result, rule)
    assert len(hits) == fires, [(f.rule, f.location.line, f.message) for f in result.findings]
    if lines:
        assert tuple(line for line, _ in hits) == lines


CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{index}-{'fires' if example.fires else 'clean'}")
    for rule in ALL_RULES
    for index, example in enumerate(rule.examples)
]


def test_every_rule_documents_both_outcomes():
    for rule in ALL_RULES:
        outcomes = {example.fires > 0 for example in rule.examples}
        outcomes |= {case.fires > 0 for case in FIXTURE_CASES if case.rule is rule}
        # The catch-all fires only for rules newer than the installed dsql-lint (test_sql.py);
        # SCAN004 only where dsql-lint is missing (test_sql_cli.py).
        machine_bound = rule.id in (CATCH_ALL, "SCAN004")
        expected = {False} if machine_bound else {True, False}
        assert outcomes == expected, f"{rule.id} needs a firing and a non-firing example"


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_example(tmp_path, rule: Rule, example: Example):
    write(tmp_path, {example.file_name: example.source, **dict(example.extra_files)})
    assert_fires(scan_alone(tmp_path, rule), rule, example.fires, example.lines)


def test_fixtures_name_rules_and_inputs():
    for directory in FIXTURES.iterdir():
        if directory.is_dir():
            assert directory.name in BY_ID, f"{directory}: no rule has this id"
    for case in FIXTURE_CASES:
        assert for_name(case.path.name) is not None, f"{case.path}: no input reads it"
    used = {g for case in FIXTURE_CASES if case.root.is_dir() for g in shared_files(case.root)}
    for group in FIXTURES.glob("*/_shared/*"):
        assert group in used, f"{group}: no directory fixture's name starts with it"


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=lambda case: case.id)
def test_fixture(case: Fixture):
    result = fixture_scan(case)
    assert_fires(result, case.rule, case.fires, case.lines)
    report = renderer("text")(result, color=False)
    if UPDATE:
        case.snapshot.write_text(report, encoding="utf-8")
    assert case.snapshot.is_file(), f"{case.snapshot} missing: DSQL_SCAN_UPDATE_SNAPSHOTS=1"
    assert report == case.snapshot.read_text(encoding="utf-8")


def example_kinds(rule: Rule) -> set[str]:
    """The kinds a rule's examples are of: inline ones by declaration, fixtures by analysis."""
    found = {example.kind for example in rule.examples}
    return found | {fixture_kind(case) for case in FIXTURE_CASES if case.rule is rule}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_every_declared_kind_has_an_example(rule: Rule):
    missing = set(rule.kinds) - {"project"} - example_kinds(rule)
    assert not missing, f"{rule.id} applies to {sorted(missing)} without an example of it"
