"""Hostile text in findings (newlines, pipes, percent signs, markup, control characters).

Messages quote template values, so any character can reach a reporter. These tests render a
hand-built result with the pure ``render`` functions and parse the output with the consumer's
rules: a format that lets such text through breaks the CI system that reads it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from scanner.model import Finding, Location, Severity
from scanner.reporters import FORMATS, renderer
from scanner.reporters.escaping import (
    UNSAFE,
    escape_json,
    escape_line,
    leading,
    markdown_code,
)
from scanner.reporters.escaping import markdown_text as escape
from scanner.reporters.github_format import escape_data, escape_property
from scanner.reporters.sarif_format import root_uri
from scanner.results import ScanResult
from tests.report_parsers import parse_github, table_rows
from tests.sarif_schema import assert_valid_sarif

HOSTILE = "100% bad | value <script>alert(1)</script>\r\nline two: a, b `x` *y* \x07 end"


def hostile_result(path: str = "in fra/a,b:c.yaml") -> ScanResult:
    finding = Finding(
        rule="RDS003",
        name="aurora-engine",
        severity=Severity.ERROR,
        message=HOSTILE,
        location=Location(path=path, line=3, column=5, end_line=3, end_column=9, resource="Db"),
        fingerprint="0123456789abcdef0123",
        requirements=("FR-001",),
        remediation="Remove it | now.",
        context="    Engine: aurora",
    )
    return ScanResult(
        findings=(finding,), files=(), root="/tmp/project dir", fail_on=Severity.WARNING,
        rules_run=("RDS003",),
    )  # fmt: skip


def test_github_escaping_follows_the_runner_rules():
    assert escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    text = renderer("github")(hostile_result())
    (command,) = [line for line in text.splitlines() if line.startswith("::")]
    assert "\r" not in command and command.count("::") == 2
    ((level, props, message),) = parse_github(text)
    assert level == "error"
    assert props["file"] == "in fra/a,b:c.yaml"
    assert props["title"] == "RDS003 aurora-engine"
    # the runner decodes %0A into a line break: only the one before "Fix:" is ours
    assert message == escape_line(HOSTILE) + "\nFix: Remove it | now."
    assert message.startswith("100% bad | value <script>alert(1)</script>\\r\\nline two")


def test_markdown_cells_cannot_break_the_table():
    text = renderer("markdown")(hostile_result())
    (cells,) = table_rows(text)
    assert len(cells) == 4
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\|" in cells[3]
    assert escape("a\nb") == "a b"


def test_junit_drops_characters_xml_cannot_carry():
    text = renderer("junit")(hostile_result())
    root = ET.fromstring(text.encode("utf-8"))
    (failure,) = root.iter("failure")
    assert "<script>" in failure.get("message")  # escaped in XML, intact once parsed
    assert "\x07" not in failure.text and "\\x07" in failure.text
    # the message's CR LF is escaped: the failure text has exactly the lines it builds
    lines = failure.text.split("\n")
    assert [line.split(":", 1)[0] for line in lines[1:]] == [
        "resource", "source", "fix", "fingerprint"
    ]  # fmt: skip


def test_sarif_of_hostile_text_is_valid():
    document = json.loads(renderer("sarif")(hostile_result()))
    assert_valid_sarif(document)
    (result,) = document["runs"][0]["results"]
    assert result["message"]["text"] == HOSTILE
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "in%20fra/a%2Cb%3Ac.yaml"
    assert document["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (
        "file:///tmp/project%20dir/"
    )


def test_sarif_absolute_paths_are_file_uris():
    document = json.loads(renderer("sarif")(hostile_result("/elsewhere/t.yaml")))
    assert_valid_sarif(document)
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "file:///elsewhere/t.yaml"}
    assert root_uri("C:/work/repo") == "file:///C:/work/repo/"


def test_every_format_renders_an_empty_result():
    empty = ScanResult(findings=(), files=(), root="/r", fail_on=Severity.WARNING)
    for fmt in FORMATS:
        text = renderer(fmt)(empty)
        assert text.endswith("\n")
        if fmt == "sarif":
            assert_valid_sarif(json.loads(text))
        assert not re.search(r"::(error|warning)", text)


def test_every_unsafe_character_is_escaped_visibly():
    named = {"\x1b", "\r", "\n", "\x07", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066"}
    assert {ord(c) for c in named} <= UNSAFE  # ESC, CR, LF, BEL, DEL, NEL, CSI, LS, RLO, LRI
    for cp in sorted(UNSAFE):
        value = f"a{chr(cp)}b"
        line = escape_line(value)
        assert line.isascii() and line.isprintable(), hex(cp)
        assert line.startswith("a\\") and line.endswith("b")
        escaped = escape_json(json.dumps({"v": value}, ensure_ascii=False))
        assert chr(cp) not in escaped and json.loads(escaped) == {"v": value}, hex(cp)


def test_safe_text_is_unchanged():
    text = "infra/ledger.yaml: Engine aurora-postgresql \t über 数据库 100% a::b #1 @x"
    assert escape_line(text) == text
    assert escape_json(json.dumps(text, ensure_ascii=False)) == json.dumps(text, ensure_ascii=False)
    assert leading("infra/t.yaml") == "infra/t.yaml"
    assert leading(".github/t.yaml") == ".github/t.yaml"


@pytest.mark.parametrize(
    "marker", ["##[error]x", "##[set-output name=a;]b", "##vso[task.setvariable]x", "##teamcity[x]"]
)
def test_legacy_command_markers_are_broken_anywhere_in_a_line(marker):
    line = escape_line(f"Description: see {marker}")
    assert "##" not in line and "\\x23#" in line
    document = escape_json(json.dumps({"d": marker}))
    assert "##" not in document and json.loads(document) == {"d": marker}


@pytest.mark.parametrize(
    "path", ["::error::x/t.yaml", " ::error::x", "\u00a0::warning::x", "\t::notice::x", "-x"]
)
def test_a_path_that_starts_a_line_cannot_start_a_command(path):
    shown = leading(path)
    assert shown.startswith("./")
    assert not shown.lstrip().startswith("::")


def test_markdown_does_not_notify_or_link():
    text = escape("ping @octocat and @org/team (jane@example.com) about #12")
    assert "@octocat" not in text and "@&#8203;octocat" in text
    assert "@&#8203;org/team" in text
    assert "jane@example.com" in text  # an e-mail address notifies nobody
    assert "#12" not in text and "#&#8203;12" in text
    assert escape("\x1b]8;;https://evil\x07link") == "\\\\x1b\\]8;;https://evil\\\\x07link"
    assert markdown_code("a|b\x1b") == "`a\\|b\\x1b`"
