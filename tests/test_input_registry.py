"""A new language is one input: registered here for the test only, and every stage picks it up.

The throwaway input reads ``.ini`` files and produces application facts (``env_reads``: every
``NAME = value`` line is a setting the application reads), so the rules that read those facts
judge it with no edit anywhere else: discovery lists it, analysis runs it, the cache keys and
keeps its results, a review counts its files, and the rule docs name it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from scanner import inputs
from scanner.config import Config
from scanner.facts import EnvRead, FileFacts
from scanner.inputs.base import Input, Source
from scanner.model import Kind, Location
from scanner.pipeline.discover import IN_PREVIEW, UNSUPPORTED, explore
from scanner.results import UNREAD, FileAnalysis
from scanner.review.attest import for_review
from scanner.review.catalogue import default
from scanner.review.model import input_kinds, judge, scanned_files, unchecked
from scanner.rules import BY_ID
from scanner.rules.docs import describe, markdown_help
from scanner.run.cache import ResultCache, read_for_key
from scanner.run.runner import analyze_all
from tests.conftest import scan_tree, write

SETTING = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=")
ANALYSED: list[str] = []  # the files the analyzer was asked about, in order

INI = Input(
    name="ini",
    label="INI settings",
    suffixes=(".ini",),
    languages={".ini": "INI"},
    produces={Kind.APP: frozenset({"env_reads"})},
    modules=("configparser",),
    analyzer=f"{__name__}:analyze_ini",
    examples={Kind.APP: "settings.ini"},
)
SETTINGS = "[database]\nRDS_HOST = legacy.cluster.example.com\nLOG_LEVEL = info\n"


def analyze_ini(source: Source, config: Config) -> FileAnalysis:
    """Every ``NAME = value`` line is a setting read from the environment."""
    ANALYSED.append(source.rel)
    reads = tuple(
        EnvRead(found.group(1), Location(source.rel, number, found.start(1) + 1))
        for number, line in enumerate(source.text.splitlines(), 1)
        if (found := SETTING.match(line))
    )
    return source.analysis(FileFacts(kind=Kind.APP, path=source.rel, env_reads=reads))


@pytest.fixture
def registered():
    """The ``.ini`` input, for this test only."""
    ANALYSED.clear()
    inputs.register(INI)
    yield INI
    inputs.unregister(INI)


@pytest.fixture
def in_preview():
    """The same input, marked as a new language in preview."""
    ANALYSED.clear()
    preview = replace(INI, preview=True)
    inputs.register(preview)
    yield preview
    inputs.unregister(preview)


def _project(root: Path) -> Path:
    return write(root, {"conf/settings.ini": SETTINGS, "app/main.py": "print('hello')\n"})


def _rule_findings(result, path: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in result.findings if f.location.path == path]


def test_discovery_lists_its_files_with_its_name(tmp_path, registered):
    found = explore((), Config(root=_project(tmp_path)))
    assert [(c.rel, c.input) for c in found.candidates] == [
        ("app/main.py", "python"),
        ("conf/settings.ini", "ini"),
    ]
    assert not found.unread


def test_the_rules_reading_its_facts_judge_its_files(tmp_path, registered):
    result = scan_tree(_project(tmp_path), select=("RDS008",))
    assert _rule_findings(result, "conf/settings.ini") == [("RDS008", 2)]
    (finding,) = [f for f in result.findings if f.location.path == "conf/settings.ini"]
    assert "RDS_HOST" in finding.context  # the excerpt around it, as for any input


def test_the_cache_keeps_its_results_and_keys_on_its_modules(tmp_path, registered):
    root = _project(tmp_path)
    config = Config(root=root, select=("RDS008",))
    candidates = explore((), config).candidates
    first = analyze_all(candidates, config, jobs=1, cache_dir=tmp_path / "cache")
    assert ANALYSED == ["conf/settings.ini"]
    again = analyze_all(candidates, config, jobs=1, cache_dir=tmp_path / "cache")
    assert again == first and ANALYSED == ["conf/settings.ini"], "served from the cache"
    ini = next(c for c in candidates if c.input == "ini")
    cache = ResultCache.open(tmp_path / "cache", config)
    assert cache is not None
    content = read_for_key(ini, config.max_file_size)
    assert content is not None
    key = cache.key(ini, content)
    inputs.unregister(INI)
    inputs.register(replace(INI, modules=("configparser", "tomllib")))
    try:
        assert cache.key(ini, content) != key, "another parser: another result"
    finally:
        inputs.unregister(inputs.named("ini"))
        inputs.register(INI)


def test_a_review_counts_its_files_as_analysed(tmp_path, registered):
    config = for_review(Config(root=_project(tmp_path), select=("RDS008",)))
    result = scan_tree(config.root, **_settings(config))
    scope = {f.path: f for f in scanned_files(result.files)}
    assert scope["conf/settings.ini"].kind == Kind.APP
    assert scope["conf/settings.ini"].state == "analysed"
    assert scope["conf/settings.ini"].language == "INI"
    assert Kind.APP in input_kinds(scope.values())
    rows = judge(result, config, default()).matrix
    assert any("RDS008" in row.rules and row.findings for row in rows)


def test_rule_docs_name_the_language(registered):
    rule = BY_ID["RDS008"]
    assert "INI settings" in describe(rule)
    assert "INI settings" in markdown_help(rule)
    assert "INI settings" not in describe(BY_ID["RDS001"]), "RDS001 reads no application facts"


def test_a_preview_input_is_not_read_without_preview(tmp_path, in_preview):
    result = scan_tree(_project(tmp_path), select=("RDS008",))
    (ini,) = [f for f in result.files if f.path == "conf/settings.ini"]
    assert ini.input == UNREAD and ANALYSED == []
    assert ini.note == f"{UNSUPPORTED} (INI): {IN_PREVIEW.format(label='INI settings')}"
    assert _rule_findings(result, "conf/settings.ini") == []


def test_a_preview_input_is_read_with_preview(tmp_path, in_preview):
    result = scan_tree(_project(tmp_path), select=("RDS008",), preview=True)
    assert _rule_findings(result, "conf/settings.ini") == [("RDS008", 2)]


def test_a_review_never_counts_a_preview_input(tmp_path, in_preview):
    """Even asked for preview, a review reads the file no more than one of a language no input
    reads: in its scope as not read, withholding evidence rather than giving it."""
    root = _project(tmp_path)
    asked = for_review(Config(root=root, select=("RDS008",), preview=True))
    plain = for_review(Config(root=root, select=("RDS008",)))
    assert asked == plain
    result = scan_tree(root, **_settings(asked))
    scope = scanned_files(result.files)
    (ini,) = [f for f in scope if f.path == "conf/settings.ini"]
    assert ini.state == "not read" and "in preview" in ini.note
    assert _rule_findings(result, "conf/settings.ini") == [] and ANALYSED == []
    assert unchecked(scope).languages == (("INI", 1),)
    assert judge(result, asked, default()).verdict != "PASS"


def _settings(config: Config) -> dict[str, object]:
    """The settings of ``config`` that ``scan_tree`` takes (it sets the root itself)."""
    return {"select": config.select, "extend_select": config.extend_select, "preview": False}


def test_rule_examples_of_a_preview_language_are_scanned_with_preview(tmp_path, in_preview):
    """The example harness asks the registry which languages are in preview: an example in one
    is scanned as ``scan --preview`` scans it; ``rules ID`` names its language and that option."""
    from scanner.rules.example_files import FileExample
    from tests.test_rule_examples import hits_of, read_in_preview, scan_alone

    write(tmp_path, {"settings.ini": SETTINGS})
    rule = BY_ID["RDS008"]
    assert read_in_preview(tmp_path)
    assert [line for line, _ in hits_of(scan_alone(tmp_path, rule), rule)] == [2]
    example = FileExample("RDS008", "settings.ini", 1, (2,), (("settings.ini", SETTINGS),))
    shown = describe(rule, files=[example])
    assert "Example in INI (settings.ini, fires 1x on line 2, scan --preview):" in shown
    assert "\n    RDS_HOST = legacy.cluster.example.com\n" in shown


def test_rule_examples_of_a_stable_language_need_no_preview(tmp_path, registered):
    from tests.test_rule_examples import read_in_preview

    write(tmp_path, {"settings.ini": SETTINGS, "app.py": "import os\n"})
    assert not read_in_preview(tmp_path)
