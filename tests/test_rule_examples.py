"""Every documented example of every rule, run through the real engine.

The examples are the rule's documentation (``dsql-scan rules ID``), so this test is what keeps
the docs honest: an example that says "fires twice on lines 3 and 7" must do exactly that.

Examples come in two forms. Inline examples are part of a rule's declaration (``Example``).
Fixture examples are real files under ``tests/fixtures/rules/<RULE ID>/`` (``fires.json``,
``clean.yaml``, ``cdk-fires.ts``, later ``fires.tf``), so that editors and linters see real JSON,
TypeScript or HCL rather than strings. A fixture's first line is its expectation header, in the
language's comment syntax::

    # dsql-scan-example: fires=2 lines=3,7        (YAML, Python, HCL)
    -- dsql-scan-example: fires=1 lines=2         (SQL)
    // dsql-scan-example: fires=0                 (TypeScript, JavaScript)

A language without comments (JSON) keeps the header line in a sibling ``<file>.expect``. An
example of several files (a CDK app whose stacks live in modules of their own) is a directory
``tests/fixtures/rules/<RULE ID>/<name>/``, copied as it is: exactly one of its files carries the
header, and line numbers are those of the findings, in whichever file. Files that several such
examples of a rule share live once, in ``<RULE ID>/_shared/<group>/``: they are copied into every
directory fixture whose name starts with ``<group>`` (before its own files). How fixtures are read
is ``scanner.rules.example_files``: ``dsql-scan rules ID`` shows them too, from the index that
``make readme`` writes beside the rules (``rules/examples.json``; ``test_docs.py`` keeps it current).

Each fixture is scanned alone, like an inline example: with the configuration it shows
(``pyproject.toml`` or ``.dsql-scan.yaml``), an opt-in rule selected, and, when one of its files
is read only by an input in preview (the registry says which), with preview inputs read, as
``scan --preview`` reads them. Its findings of the rule are counted and their lines compared;
then the text report of that scan is compared with the snapshot ``<file>.snap`` (``<name>.snap``
for a directory) beside it. After an intended change of the report, rewrite the snapshots and
review their diff:

    DSQL_SCAN_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_rule_examples.py

The report is rendered in-process by the text reporter, from the same scan: running
``dsql-scan scan`` per fixture costs about 1.2 s against 0.1 s, which would grow with a fixture
per rule and language.

Finally, each kind a rule applies to (``Rule.kinds``, but ``project``) must have at least one
example of that kind, inline (``Example.kind``) or fixture (the kind of facts its file was
analysed into; for a file that could not be parsed, the one kind its input produces, if it
produces one).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pytest

from scanner.config import CONFIG_FILES, Config, load
from scanner.gate import basetree
from scanner.inputs import for_name
from scanner.pipeline.engine import scan
from scanner.reporters import renderer
from scanner.results import ScanResult
from scanner.rules import ALL_RULES, BY_ID, Example, Rule, example_files
from scanner.rules.sql._common import CATCH_ALL
from tests import gitrepo
from tests.conftest import run_cli, write

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
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


def fixture(root: Path) -> Fixture:
    """A fixture, read as ``dsql-scan rules ID`` shows it (``example_files``)."""
    example = example_files.read(root)
    path = example_files.members(root)[example.file_name]
    return Fixture(path, example.fires, example.lines, root)


def fixtures() -> list[Fixture]:
    return [fixture(p) for p in example_files.example_roots(FIXTURES)]


FIXTURE_CASES = fixtures()


def read_in_preview(directory: Path) -> bool:
    """Whether the example has a file only an input in preview reads (asked of the registry):
    the example documents that language, so it is scanned as ``scan --preview`` scans."""
    readers = (for_name(path.name) for path in directory.rglob("*") if path.is_file())
    return any(reader is not None and reader.preview for reader in readers)


def scan_alone(directory: Path, rule: Rule, base: str = "") -> ScanResult:
    """Scan an example's directory as the rule's documentation promises: with the configuration
    the example shows (its ``pyproject.toml`` or ``.dsql-scan.yaml``), the rule selected if it
    is opt-in, the language in preview it is written in read, and compared with the git
    ``base`` (a ref of the repository the directory is) when one is given."""
    config_file = next((directory / n for n in CONFIG_FILES if (directory / n).is_file()), None)
    config = load(str(config_file)) if config_file is not None else Config(root=directory)
    if rule.opt_in:
        config = replace(config, extend_select=(rule.id,))
    if read_in_preview(directory):
        config = replace(config, preview=True)
    compared = basetree.facts_at(base, config, (str(directory),)) if base else None
    return scan((str(directory),), config, base=compared)


@cache
def fixture_scan(case: Fixture) -> ScanResult:
    """The fixture copied alone into an empty directory, under its own name, and scanned."""
    with tempfile.TemporaryDirectory(prefix="dsql-scan-example-") as tmp:
        directory = Path(tmp)
        if case.root.is_dir():
            for group in example_files.shared_groups(case.root):
                shutil.copytree(group, directory, dirs_exist_ok=True)
            shutil.copytree(case.root, directory, dirs_exist_ok=True)
        else:
            (directory / case.path.name).write_bytes(case.path.read_bytes())
        return scan_alone(directory, case.rule)


def fixture_kind(case: Fixture) -> str | None:
    """The kind of facts the fixture's file is to the rules: what its input analysed it into,
    or, for a file that could not be analysed, the one kind its input produces (None when it
    produces several: a TypeScript file that does not parse is neither CDK nor application
    code in particular)."""
    reader = for_name(case.path.name)
    assert reader is not None, f"{case.path}: no input reads a file of this name"
    (analysis,) = (f for f in fixture_scan(case).files if f.path == case.rel)
    if analysis.facts is not None:
        assert analysis.facts.kind in reader.kinds, (case.path, analysis.facts.kind)
        return analysis.facts.kind
    return str(reader.kinds[0]) if len(reader.kinds) == 1 else None


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
    # a repository whose last commit is the base, the example its work tree
    base = gitrepo.at_base(tmp_path, dict(example.base)) if example.base else ""
    write(tmp_path, {example.file_name: example.source, **dict(example.extra_files)})
    assert_fires(scan_alone(tmp_path, rule, base), rule, example.fires, example.lines)


def test_fixtures_name_rules_and_inputs():
    for directory in FIXTURES.iterdir():
        if directory.is_dir():
            assert directory.name in BY_ID, f"{directory}: no rule has this id"
    for case in FIXTURE_CASES:
        assert for_name(case.path.name) is not None, f"{case.path}: no input reads it"
    used = {
        g
        for case in FIXTURE_CASES
        if case.root.is_dir()
        for g in example_files.shared_groups(case.root)
    }
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
    kinds = (fixture_kind(case) for case in FIXTURE_CASES if case.rule is rule)
    return found | {kind for kind in kinds if kind is not None}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_every_declared_kind_has_an_example(rule: Rule):
    missing = set(rule.kinds) - {"project"} - example_kinds(rule)
    assert not missing, f"{rule.id} applies to {sorted(missing)} without an example of it"


def test_rules_command_shows_the_examples_written_as_files():
    """``dsql-scan rules ID`` shows a rule's fixtures after its declared examples, each named by
    its language (a preview one with the option that reads it), its expectation in words, and
    every file of an example of several files."""
    shown = run_cli("rules", "RDS008").stdout
    declared = "Example in YAML (template.yaml, fires 3x on lines 7, 8, 13):"
    written = "Example in Python (cdk-legacy-names.py, fires 2x on lines 17, 18):"
    assert shown.index(declared) < shown.index(written)
    heading = "Example in Python (infra/api.py, fires 1x on line 15):"
    tail = shown[shown.index(heading) :]
    assert tail.index('            "DB_HOST": cluster.cluster_endpoint.hostname,') < tail.index(
        "  with infra/functions.py:"
    )
    typescript = "Example in TypeScript (lib/api-stack.ts, fires 2x on lines 22, 23):"
    tail = shown[shown.index(typescript) :]
    assert tail.index("  with bin/app.ts:") < tail.index("  with lib/data-stack.ts:")
    javascript = "Example in JavaScript (cdk-legacy-names.js, fires 2x on lines 17, 18):"
    assert javascript in shown
    assert "\n          DB_SECRET_ARN: cluster.secret.secretArn,\n" in shown
    for case in FIXTURE_CASES:
        if case.rule.id == "RDS008":
            assert f" ({case.rel}, " in shown, case.id
