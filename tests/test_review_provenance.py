"""Which tools judged a review: recorded in the document, compared by `verify`.

dsql-lint is hidden the way a user's environment hides it: ``DSQL_SCAN_DSQL_LINT`` naming no
executable makes dsql-scan find none (the one installed beside Python would be found first
whatever ``PATH`` says).
"""

from __future__ import annotations

import platform
import re
import shutil
import stat
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from scanner.review.document import read, seal
from tests.conftest import run_cli, write
from tests.test_review import MIGRATED, review

MIGRATION = "CREATE TABLE orders (id SERIAL PRIMARY KEY, tags TEXT[]);\nTRUNCATE orders;\n"
NO_LINTER = {"DSQL_SCAN_DSQL_LINT": "/nonexistent/dsql-lint"}


def installed_linter() -> str:
    beside = Path(sys.executable).parent / "dsql-lint"
    found = str(beside) if beside.exists() else shutil.which("dsql-lint")
    if not found:
        pytest.skip("dsql-lint is not installed (the 'sql' extra; `make test` installs it)")
    return found


def linter_version(executable: str) -> str:
    out = subprocess.run([executable, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\d+(?:\.\d+)+", out)
    assert found, out
    return found.group(0)


def python_version() -> str:
    return f"{platform.python_version()} ({platform.python_implementation()})"


def verify(root: Path, *args: str, env: dict | None = None):
    return run_cli("verify", *args, cwd=root, env=env)


def reseal(document: Path, edit) -> None:
    """Rewrite the embedded record with ``edit`` and seal it again, as an older dsql-scan (or
    someone recomputing the digest) would have written it."""
    text = document.read_text()
    record = read(text)
    stamp = f'"document_digest": "{record["document_digest"]}"'
    document.write_text(seal(edit(text.replace(stamp, '"document_digest": ""'))))


@pytest.fixture
def sql_review(tmp_path):
    """A review of a migration with dsql-lint findings, written with dsql-lint installed."""
    linter = installed_linter()
    write(tmp_path, {"db/V1__orders.sql": MIGRATION})
    run = review(tmp_path, "db", "-o", "REVIEW.md")
    assert run.code == 1, run.stderr
    return tmp_path, linter


TREE_SITTER = ("tree-sitter", "tree-sitter-typescript", "tree-sitter-javascript")


def test_review_names_every_tool_with_its_version(sql_review):
    root, linter = sql_review
    text = (root / "REVIEW.md").read_text()
    tools = read(text)["tools"]
    assert tools == {
        "dsql-scan": metadata.version("dsql-scan"),
        "ruleset": tools["ruleset"],
        "cfn-lint": metadata.version("cfn-lint"),
        "libcst": metadata.version("libcst"),
        **{grammar: metadata.version(grammar) for grammar in TREE_SITTER},
        "dsql-lint": linter_version(linter),
        "python": python_version(),
    }
    grammars = ", ".join(f"{name} {metadata.version(name)}" for name in TREE_SITTER)
    shown = (
        f"cfn-lint {metadata.version('cfn-lint')}, libcst {metadata.version('libcst')}, "
        f"{grammars}, dsql-lint {linter_version(linter)}, Python {python_version()}"
    )
    assert f"Judged with: dsql-scan {metadata.version('dsql-scan')}, rule set " in text
    sign_off = text[text.index("## 6. Sign-off") :]
    assert shown in sign_off


def test_review_without_dsql_lint_says_not_installed(tmp_path):
    write(tmp_path, {"db/V1__orders.sql": MIGRATION})
    assert review(tmp_path, "db", "-o", "r.html", env=NO_LINTER).code in (0, 1)
    html = (tmp_path / "r.html").read_text()
    assert read(html)["tools"]["dsql-lint"] is None
    assert "dsql-lint not installed" in html


def test_verify_blames_the_tools_when_the_code_is_unchanged(sql_review):
    root, _ = sql_review
    version = read((root / "REVIEW.md").read_text())["tools"]["dsql-lint"]
    run = verify(root, "REVIEW.md", env=NO_LINTER)
    assert run.code == 1
    assert f"REVIEW.md no longer holds: the tools changed (dsql-lint {version} -> none):" in (
        run.stdout
    )
    assert "no longer matches the code" not in run.stdout
    assert "  scope digest: " in run.stdout and "(unchanged)" in run.stdout
    assert "resolved finding: db/V1__orders.sql:1: SQL" in run.stdout


def test_verify_names_both_when_code_and_tools_changed(sql_review):
    root, _ = sql_review
    version = read((root / "REVIEW.md").read_text())["tools"]["dsql-lint"]
    (root / "db" / "V2__more.sql").write_text("CREATE TABLE more (id INT PRIMARY KEY);\n")
    run = verify(root, "REVIEW.md", env=NO_LINTER)
    assert run.code == 1
    assert (
        f"REVIEW.md no longer matches the code, and the tools changed (dsql-lint {version} -> "
        "none):" in run.stdout
    )
    assert "  added: db/V2__more.sql" in run.stdout


def test_code_change_alone_does_not_blame_the_tools(sql_review):
    root, _ = sql_review
    (root / "db" / "V2__more.sql").write_text("CREATE TABLE more (id SERIAL PRIMARY KEY);\n")
    run = verify(root, "REVIEW.md")
    assert run.code == 1
    assert "REVIEW.md no longer matches the code:" in run.stdout
    assert "tools changed" not in run.stdout


def test_another_tool_version_with_the_same_result_is_noted(sql_review, tmp_path_factory):
    root, linter = sql_review
    wrapper = tmp_path_factory.mktemp("bin") / "dsql-lint"
    wrapper.write_text(
        f'#!/bin/sh\nif [ "$1" = --version ]; then echo "dsql-lint 99.1.0"; exit 0; fi\n'
        f'exec "{linter}" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    run = verify(root, "REVIEW.md", env={"DSQL_SCAN_DSQL_LINT": str(wrapper)})
    assert run.code == 0, run.stdout + run.stderr
    version = linter_version(linter)
    assert f"note: the tools changed (dsql-lint {version} -> 99.1.0); the result is the same" in (
        run.stdout
    )
    assert "still true" in run.stdout


def test_review_written_before_tools_were_recorded_verifies_as_before(sql_review):
    root, _ = sql_review
    document = root / "REVIEW.md"
    reseal(document, lambda text: re.sub(r' "tools": \{\n(?:  .*\n)*? \},\n', "", text))
    assert "tools" not in read(document.read_text())
    same = verify(root, "REVIEW.md")
    assert same.code == 0, same.stdout + same.stderr
    assert "tools" not in same.stdout
    without = verify(root, "REVIEW.md", env=NO_LINTER)
    assert without.code == 1
    assert "REVIEW.md no longer matches the code:" in without.stdout


def test_unreadable_tools_block_is_not_a_review(tmp_path):
    write(tmp_path, {"t.yaml": MIGRATED})
    assert review(tmp_path, "t.yaml", "-o", "r.md").code in (0, 1)  # written, whatever the verdict
    reseal(
        tmp_path / "r.md",
        lambda text: re.sub(r'"libcst": "[^"]*"', '"libcst": 5', text),
    )
    run = verify(tmp_path, "r.md")
    assert run.code == 2
    assert "a field of it (settings, tools, evidence) is unreadable" in run.stderr
