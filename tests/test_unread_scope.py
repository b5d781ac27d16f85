"""Files in scope that dsql-scan does not read: listed by what happened to them, never evidence.

A repository's CDK app in Java, its Terragrunt configuration or its Go service can declare the very Aurora
cluster a review says is gone. Those files are listed (by name, hashed, never parsed), counted
per language, and keep the requirements they could contradict from passing; so does SQL that
dsql-lint could not check. Everything runs the installed command, as a user would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.limits import assert_no_traceback, run_limited
from tests.sarif_schema import assert_valid_sarif
from tests.test_review import MIGRATED, REVIEWER, matrix_rows, migrated_system

EPOCH = {"SOURCE_DATE_EPOCH": "1718000000"}
NO_LINTER = {"DSQL_SCAN_DSQL_LINT": "/nonexistent/dsql-lint"}
POLYGLOT = {
    "infra/ledger.yaml": MIGRATED,
    "cdk/src/main/java/ledger/LedgerStack.java": 'new DatabaseCluster(this, "Ledger", props);\n',
    "cdk/src/test/kotlin/LedgerStackTest.kt": "class LedgerStackTest\n",
    "cdk/Program.vb": "Module Program\nEnd Module\n",
    "infra/terragrunt.hcl": 'terraform {\n  source = "../modules/ledger"\n}\n',
    "infra/image.pkr.hcl": 'source "amazon-ebs" "base" {}\n',
    "service/db.go": "package service\n",
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _review(root: Path, output: str, *args: str, env: dict[str, str] | None = None):
    run = run_limited(
        "review",
        *args,
        "-o",
        output,
        "--reviewer",
        REVIEWER,
        cwd=root,
        env={**EPOCH, **(env or {})},
    )
    assert_no_traceback(run)
    return run, (root / output).read_text(encoding="utf-8")


def _scope_rows(markdown: str) -> dict[str, str]:
    """File -> "What happened to it" of the review's scope table."""
    table = markdown.split("| File | What happened to it | SHA-256 |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        rows[cells[0].strip("`")] = cells[1]
    return rows


def test_scan_lists_unread_languages_without_findings_or_a_new_exit_code(tmp_path):
    _write(tmp_path, POLYGLOT)
    _write(tmp_path, {"node_modules/aws-cdk-lib/index.js": "x\n", "cdk/cdk.out/asset.1/h.js": ""})
    run = run_limited("scan", ".", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.code == 0, run.stdout
    assert "No findings." in run.stdout
    assert "1 file(s) scanned; 6 not read (Go 1, HCL 2, Java 1, Kotlin 1, Visual Basic 1" in (
        run.stdout
    )
    verbose = run_limited("scan", ".", "-v", cwd=tmp_path).stdout
    assert (
        "not read cdk/src/main/java/ledger/LedgerStack.java: language not supported (Java)"
        in verbose
    )
    assert "not read infra/image.pkr.hcl: language not supported (HCL)" in verbose
    assert "node_modules/aws-cdk-lib" not in verbose and "asset.1/h.js" not in verbose
    summary = run_limited("scan", ".", "--format", "json", cwd=tmp_path).json()["summary"]
    assert summary["files_not_read"] == {
        "Go": 1,
        "Java": 1,
        "Kotlin": 1,
        "HCL": 2,
        "Visual Basic": 1,
    }
    assert summary["files_scanned"] == 1
    sarif = run_limited("scan", ".", "--format", "sarif", cwd=tmp_path)
    assert sarif.code == 0
    assert_valid_sarif(json.loads(sarif.stdout))


def test_unread_files_follow_the_configured_excludes_and_never_links_out_of_the_root(tmp_path):
    outside = _write(tmp_path / "outside", {"secret.go": "x\n"})
    root = _write(tmp_path / "repo", {"infra/ledger.yaml": MIGRATED, "gen/client.go": "x\n"})
    (root / "pyproject.toml").write_text('[tool.dsql-scan]\nexclude = ["gen"]\n')
    os.symlink(outside / "secret.go", root / "linked.go")
    run = run_limited("scan", ".", "-v", cwd=root)
    assert "gen/client.go" not in run.stdout
    assert "not read linked.go" not in run.stdout
    assert "linked.go: symbolic link leading outside the scan root" in run.stdout
    assert "not read" not in run.stdout.split("skipped", 1)[0]


def test_review_of_a_polyglot_tree_lists_every_file_and_is_not_a_pass(tmp_path):
    _write(tmp_path, POLYGLOT)
    run, text = _review(tmp_path, "REVIEW.md")
    assert "NOT EVIDENCED" in run.stderr and "PASS" not in run.stderr
    assert "**Verdict: NOT EVIDENCED**" in text
    verdict = text.split("**Verdict: NOT EVIDENCED**", 1)[1].split("\n", 1)[0]
    assert "6 file(s) in scope were not read (1 Go, 2 HCL, 1 Java, 1 Kotlin, 1 Visual Basic)" in (
        verdict
    )
    assert (
        "| Files | 7: HCL 2 not read; Go 1 not read; Java 1 not read; Kotlin 1 not read; "
        "Visual Basic 1 not read; YAML 1 analysed |" in text
    )
    rows = _scope_rows(text)
    assert rows["infra/ledger.yaml"] == "analysed as cfn"
    assert (
        rows["cdk/src/main/java/ledger/LedgerStack.java"]
        == "not read: language not supported (Java)"
    )
    assert rows["infra/terragrunt.hcl"] == "not read: language not supported (HCL)"
    matrix = matrix_rows(text)
    # the template alone says "no RDS cluster"; the Java and Terragrunt may say otherwise
    for requirement in ("SC-004", "FR-001", "FR-002", "FR-003"):
        assert matrix[requirement][1] == "**NOT EVIDENCED**", requirement
        assert "6 file(s) in scope were not read" in matrix[requirement][4], requirement
    # the same system without the unread files: the template and the app are evidence again
    for name in POLYGLOT:
        if not name.endswith(".yaml"):
            (tmp_path / name).unlink()
    _write(tmp_path, migrated_system())
    run, text = _review(tmp_path, "REVIEW.md")
    assert "**Verdict: PASS**" in text and matrix_rows(text)["SC-004"][1] == "**PASS**"


def test_only_iac_languages_block_the_infrastructure_requirements(tmp_path):
    _write(tmp_path, {"infra/ledger.yaml": MIGRATED, "scripts/deploy.sh": "echo\n"})
    _, text = _review(tmp_path, "REVIEW.md")
    matrix = matrix_rows(text)
    assert matrix["SC-004"][1] == "**NOT EVIDENCED**"
    assert "1 Shell" in matrix["SC-004"][4]
    assert matrix["FR-001"][1] == "**PASS**"
    assert "**Verdict: NOT EVIDENCED**" in text


def test_verify_notices_an_edited_unread_file(tmp_path):
    _write(tmp_path, POLYGLOT)
    _review(tmp_path, "REVIEW.md")
    still = run_limited("verify", "REVIEW.md", cwd=tmp_path)
    assert still.code == 0, still.stdout
    assert "verdict NOT EVIDENCED" in still.stdout
    (tmp_path / "cdk/src/main/java/ledger/LedgerStack.java").write_text(
        "new ServerlessCluster();\n"
    )
    changed = run_limited("verify", "REVIEW.md", cwd=tmp_path)
    assert changed.code == 1
    assert "changed: cdk/src/main/java/ledger/LedgerStack.java" in changed.stdout


def test_sql_without_dsql_lint_is_not_read_and_never_a_pass(tmp_path):
    _write(tmp_path, {"infra/ledger.yaml": MIGRATED, "db/schema.sql": "TRUNCATE ledger;\n"})
    run, text = _review(tmp_path, "REVIEW.md", env=NO_LINTER)
    assert "PASS" not in run.stderr
    # a .sql file nobody could check is a finding (SCAN004) that fails what the SQL evidences
    assert "**Verdict: FAIL**" in text
    sql = _scope_rows(text)["db/schema.sql"].replace("\\", "")  # Markdown escapes
    assert sql.startswith("not read: DSQL_SCAN_DSQL_LINT=/nonexistent/dsql-lint is not")
    assert sql.endswith("(pip install 'dsql-scan[sql]')")
    assert "SQL 1 not read" in text
    matrix = matrix_rows(text)
    for requirement in ("FR-005", "SC-001"):
        assert matrix[requirement][1] == "**FAIL**", requirement
        assert "SCAN004" in matrix[requirement][4], requirement
    scan = run_limited("scan", ".", cwd=tmp_path, env=NO_LINTER)
    assert scan.code == 1 and "db/schema.sql:1:1: SCAN004 warning" in scan.stdout
    # with SCAN004 ignored the gate passes, but the review still cannot: the SQL is unread
    run, text = _review(tmp_path, "REVIEW.md", "--ignore", "SCAN004", env=NO_LINTER)
    assert run.code == 1 and "**Verdict: NOT EVIDENCED**" in text
    verdict = text.split("**Verdict: NOT EVIDENCED**", 1)[1].split("\n", 1)[0]
    assert "SQL in 1 file(s) was not checked" in verdict
    matrix = matrix_rows(text)
    for requirement in ("FR-005", "SC-001"):
        assert matrix[requirement][1] == "**NOT EVIDENCED**", requirement


def test_html_review_shows_the_language_counts(tmp_path):
    _write(tmp_path, POLYGLOT)
    _, html = _review(tmp_path, "REVIEW.html")
    assert "Verdict: NOT EVIDENCED" in html
    assert "HCL 2 not read; Go 1 not read; Java 1 not read" in html
    assert "not read: <span" in html and "language not supported (Go)" in html


def test_review_of_a_java_cdk_repository_says_what_was_not_read(tmp_path):
    _write(
        tmp_path,
        {
            "cdk.json": '{"app": "mvn -e -q compile exec:java"}\n',
            "pom.xml": "<project/>\n",
            "src/main/java/ledger/App.java": "class App {}\n",
            "src/main/java/ledger/Stack.java": 'new DatabaseCluster(this, "Ledger", props);\n',
        },
    )
    run, text = _review(tmp_path, "REVIEW.md")
    assert run.code == 1 and "PASS" not in run.stderr
    verdict = text.split("**Verdict: NOT EVIDENCED**", 1)[1].split("\n", 1)[0]
    assert "nothing in scope was analysed" in verdict
    assert "2 file(s) in scope were not read (2 Java)" in verdict
    matrix = matrix_rows(text)
    for requirement in ("FR-001", "FR-002", "FR-003", "SC-004"):
        assert matrix[requirement][1] == "**NOT EVIDENCED**", requirement
        assert "2 Java" in matrix[requirement][4], requirement
