"""Scanned content cannot inject into the logs, terminals and comments that show a report.

A pull request controls every path, logical id and source line a report quotes. These tests
build such a tree (nothing hostile is committed), run the installed ``dsql-scan`` under a time
and memory limit in every format, to stdout and to a file, and read the output as the CI runner
would: no line may start a workflow command (GitHub's runner strips leading whitespace, then
looks for ``::``; its legacy form ``##[`` counts anywhere in a line), no terminal control byte
may appear, and every finding must still be reported, recognisably.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scanner.reporters import FORMATS
from tests.limits import assert_no_traceback, run_limited
from tests.report_parsers import parse_github, table_rows

INJECTED_ID = (
    "Legacy\n::error file=README.md,line=1::INJECTED\n::stop-commands::tok"
    "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\r::warning::CR ##[error]legacy"
    " \u202eRLO\u2028 \x9b31m @octocat"
)
INJECTED_DIR = "::error::x"
NEWLINE_DIR = "evil\n::error file=README.md::PWNED"
RAW = ("\x1b", "\r", "\x07", "\x9b", "\u202e", "\u2028", "\x85")
OWN_COMMAND = re.compile(r"::(error|warning|notice) (file|title)=")


def hostile_tree(root: Path) -> Path:
    """A logical id full of workflow commands and terminal controls, and directories whose
    names start one, each with an RDS resource that must still be reported."""
    template = {
        "Resources": {
            INJECTED_ID: {
                "Type": "AWS::RDS::DBCluster",
                "Properties": {"Engine": "aurora-postgresql"},
            }
        }
    }
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "legacy.json").write_text(json.dumps(template), encoding="utf-8")
    instance = "Resources:\n  Db:\n    Type: AWS::RDS::DBInstance\n"
    for name in (INJECTED_DIR, NEWLINE_DIR):
        (root / name).mkdir()
        (root / name / "t.yaml").write_text(instance, encoding="utf-8")
    source = 'import boto3\nc = boto3.client("rds-data")  # \x1b]0;title\x07 \u202e @octocat\n'
    (root / "app.py").write_text(source, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return hostile_tree(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def findings(tree):
    """The findings as JSON reports them (its parser reads the exact data back)."""
    run = run_limited("scan", "--no-cache", "--format", "json", ".", cwd=tree)
    assert_no_traceback(run)
    assert run.code == 1, run.stderr
    found = json.loads(run.stdout)["findings"]
    assert {f["rule"] for f in found} >= {"RDS001", "RDS002", "RDS009"}
    return found


def assert_inert(text: str, own_commands: bool = False) -> None:
    """What a CI log would show: no command from content, no control byte."""
    for char in RAW:
        assert char not in text, (repr(char), text[-2000:])
    assert "##[" not in text
    for line in text.split("\n"):
        start = line.lstrip()
        if start.startswith("::"):
            assert own_commands and OWN_COMMAND.match(start), line
            assert "stop-commands" not in start.split("::")[1]


def outputs(tree: Path, fmt: str, to_file: bool) -> tuple[str, str, str]:
    """(stdout, stderr, report) of one run; the report is stdout unless written to a file."""
    target = tree.parent / f"{tree.name}-{fmt}.out"
    args = ("--format", fmt, "-o", str(target)) if to_file else ("--format", fmt)
    run = run_limited("scan", *args, ".", cwd=tree)
    assert_no_traceback(run)
    assert run.code == 1, run.stderr
    report = target.read_text(encoding="utf-8") if to_file else run.stdout
    return run.stdout, run.stderr, report


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_lets_content_start_a_command_or_a_control_sequence(tree, findings, fmt, to_file):
    stdout, stderr, report = outputs(tree, fmt, to_file)
    for stream in (stdout, stderr, report):
        assert_inert(stream, own_commands=fmt == "github" and stream is not stderr)
    if to_file:  # the text report goes to stderr, and it names every finding, escaped
        assert len(re.findall(r": (RDS|DSQL|SCAN)\d{3} (error|warning|note) ", stderr)) == len(
            findings
        )
        assert "resource Legacy\\n::error file=README.md,line=1::INJECTED\\n" in stderr
        assert "./::error::x/t.yaml:3:" in stderr
        assert "evil\\n::error file=README.md::PWNED/t.yaml:3:" in stderr
    reported_in(fmt, report, findings)


def reported_in(fmt: str, report: str, findings: list[dict]) -> None:
    """Every finding is still in the report, with its content escaped but recognisable."""
    escaped_id = "Legacy\\n::error file=README.md,line=1::INJECTED\\n::stop-commands::tok\\x1b]8"
    if fmt in ("json", "sarif"):
        document = json.loads(report)  # the data is exact once parsed
        if fmt == "json":
            assert document["findings"] == findings
            resources = {f.get("resource") for f in document["findings"]}
        else:
            results = document["runs"][0]["results"]
            assert [r["message"]["text"] for r in results] == [f["message"] for f in findings]
            resources = {
                logical["name"]
                for r in results
                for logical in r["locations"][0].get("logicalLocations", [])
            }
        assert INJECTED_ID in resources
    elif fmt == "junit":
        root = ET.fromstring(report.encode("utf-8"))  # a real XML parser reads it
        failures = list(root.iter("failure"))
        assert len(failures) == len(findings)
        assert any(escaped_id in (f.text or "") for f in failures)
    elif fmt == "github":
        commands = parse_github(report)
        assert len(commands) == len(findings)
        assert {props.get("file") for _, props, _ in commands} >= {
            "infra/legacy.json",
            "::error::x/t.yaml",
            "evil\\n::error file=README.md::PWNED/t.yaml",
        }
        assert any(escaped_id in message for _, _, message in commands)
    elif fmt == "markdown":
        rows = table_rows(report)
        assert len(rows) == len(findings) and all(len(cells) == 4 for cells in rows)
        assert "@octocat" not in report and "@&#8203;octocat" in report
        # a table cell is one line: line breaks are spaces, other controls escaped
        assert (
            "(Legacy ::error file=README.md,line=1::INJECTED ::stop-commands::tok\\\\x1b" in report
        )
    else:
        assert "resource Legacy\\n::error file=README.md,line=1::INJECTED\\n" in report
        assert "\\u202eRLO\\u2028 \\x9b31m @octocat" in report
        assert "./::error::x/t.yaml:3:" in report


def test_cached_run_reports_what_a_fresh_run_does(tree, findings):
    first = run_limited("scan", "--format", "json", ".", cwd=tree)
    again = run_limited("scan", "--format", "json", ".", cwd=tree)
    for run in (first, again):
        assert_no_traceback(run)
        assert json.loads(run.stdout)["findings"] == findings


def test_review_escapes_content_in_markdown_and_html(tree):
    for name in ("REVIEW.md", "review.html"):
        run = run_limited("review", ".", "-o", str(tree.parent / name), cwd=tree)
        assert_no_traceback(run)
        assert run.code == 1, run.stderr
        document = (tree.parent / name).read_text(encoding="utf-8")
        assert_inert(document)
        if name.endswith(".md"):
            assert "@octocat" not in outside_code(document)
            assert "@&#8203;octocat" in document
    html = (tree.parent / "review.html").read_text(encoding="utf-8")
    assert "Legacy\\n::error file=README.md,line=1::INJECTED" in html


def outside_code(markdown: str) -> str:
    """The Markdown GitHub would scan for mentions: without code spans (where ``@name``
    notifies nobody) and without the record in its HTML comment."""
    text = re.sub(r"<!--.*?-->", "", markdown, flags=re.S)
    return re.sub(r"(`+).+?\1", "", text)


def test_html_review_is_autoescaped():
    from scanner.reporters.review_format import environment

    env = environment("html")
    assert env.autoescape is True
    rendered = env.from_string("{{ value }}").render(value="<script>\x1b[2J</script>")
    assert rendered == "&lt;script&gt;\\x1b[2J&lt;/script&gt;"


def test_verify_names_drift_without_injecting(tmp_path):
    tree = hostile_tree(tmp_path / "tree")
    document = tmp_path / "VERIFY.md"
    assert run_limited("review", ".", "-o", str(document), cwd=tree).code == 1
    (tree / NEWLINE_DIR / "t.yaml").write_text("Resources: {}\n", encoding="utf-8")
    run = run_limited("verify", str(document), cwd=tree)
    assert_no_traceback(run)
    assert run.code == 1
    assert_inert(run.stdout)
    assert_inert(run.stderr)
    assert "  changed: evil\\n::error file=README.md::PWNED/t.yaml" in run.stdout
