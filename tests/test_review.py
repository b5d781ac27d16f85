"""`dsql-scan review` end to end: the installed command on real files, documents read back."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scanner.review.document import read
from scanner.rules.requirements import REQUIREMENTS
from tests.conftest import run_cli, write

EPOCH = {"SOURCE_DATE_EPOCH": "1718000000"}
REVIEWER = "Jane Reviewer <jane@example.com>"

LEGACY = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LedgerSubnets:
    Type: AWS::RDS::DBSubnetGroup
  LedgerCluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      DBSubnetGroupName: !Ref LedgerSubnets
  LedgerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: data-api
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: rds-data:ExecuteStatement
                Resource: "*"
  LedgerApi:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt LedgerRole.Arn
      Environment:
        Variables:
          AURORA_ENDPOINT: !GetAtt LedgerCluster.Endpoint.Address
"""

MIGRATED = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LedgerDsqlCluster:
    Type: AWS::DSQL::Cluster
    DeletionPolicy: Retain
    Properties:
      DeletionProtectionEnabled: true
  LedgerApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: ledger-dsql-connect
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: dsql:DbConnect
                Resource: !GetAtt LedgerDsqlCluster.ResourceArn
  LedgerApi:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: ledger.handler
      Role: !GetAtt LedgerApiRole.Arn
      Code:
        S3Bucket: ledger-artifacts
        S3Key: ledger-api.zip
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt LedgerDsqlCluster.Endpoint
          DSQL_CLUSTER_ARN: !GetAtt LedgerDsqlCluster.ResourceArn
          DSQL_DATABASE: postgres
"""

EXAMPLE_APP = Path(__file__).resolve().parents[1] / "examples" / "migrated" / "app"


def migrated_app() -> dict[str, str]:
    """The example's migrated application code, with its DSQL health check, under ``app/``."""
    return {f"app/{path.name}": path.read_text() for path in sorted(EXAMPLE_APP.glob("*.py"))}


def migrated_system() -> dict[str, str]:
    """The migrated template with its application code: a system a review can evidence."""
    return {"infra/ledger.yaml": MIGRATED, **migrated_app()}


def review(root: Path, *args: str, env: dict | None = None):
    return run_cli("review", *args, "--reviewer", REVIEWER, cwd=root, env={**EPOCH, **(env or {})})


def section(markdown: str, title: str) -> str:
    """The text of one `## ` section (or appendix) of a Markdown review."""
    return re.split(rf"^## {re.escape(title)}$", markdown, flags=re.M)[1].split("\n## ", 1)[0]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row in ``text`` (escaped pipes stay inside their cell)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def matrix_rows(markdown: str) -> dict[str, list[str]]:
    rows = table_rows(section(markdown, "1. Requirements"))
    return {cells[0]: cells for cells in rows if re.fullmatch(r"(FR|SC)-\d{3}", cells[0])}


def rules_by_requirement(markdown: str) -> dict[str, str]:
    """The appendix's rule list of each requirement."""
    rows = table_rows(section(markdown, "Appendix"))
    return {c[0]: c[1] for c in rows if len(c) == 2 and re.fullmatch(r"(FR|SC)-\d{3}", c[0])}


def test_review_of_migrated_tree_passes_with_every_requirement_row_filled(tmp_path):
    write(tmp_path, migrated_system())
    run = review(tmp_path, "infra", "app", "-o", "REVIEW.md")
    assert run.code == 0, run.stderr
    assert "PASS" in run.stderr
    text = (tmp_path / "REVIEW.md").read_text()
    assert "**Verdict: PASS**" in text
    rows = matrix_rows(text)
    assert set(rows) == {r.id for r in REQUIREMENTS}
    listed = rules_by_requirement(text)
    for requirement_id, cells in rows.items():
        _, status, description, evidence, explanation = cells
        assert description and explanation, requirement_id
        assert status in ("**PASS**", "**NOT EVIDENCED**"), (requirement_id, status)
        # the matrix counts the evidence; the rule ids are in the appendix, not in the cell
        rule_ids = [] if listed[requirement_id] == "none" else listed[requirement_id].split(", ")
        assert evidence.startswith(f"{len(rule_ids)} rule"), (requirement_id, evidence)
        assert evidence.endswith(" 0 findings"), (requirement_id, evidence)
        assert len(re.findall(r"\b[A-Z]+\d{3}\b", explanation)) <= 3, explanation
    # infrastructure requirements are evidenced by the template; runtime ones say so
    assert rows["FR-001"][1] == "**PASS**"
    assert "RDS001" in listed["FR-001"]
    assert rows["FR-006"][1] == "**NOT EVIDENCED**"
    assert "runtime" in rows["FR-006"][4]
    # the health check is evidenced by the application code
    assert rows["FR-004"][1] == "**PASS**"
    assert "DSQL011" in listed["FR-004"]
    # nothing found: no findings section to speak of, and the scope names what was scanned
    assert "No unsuppressed finding." in section(text, "2. Findings")
    assert "| Signature | none |" in text


def test_review_of_legacy_tree_fails_with_each_finding_once_under_its_file(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": LEGACY, "infra/more.yaml": LEGACY})
    # the review also runs the opt-in DEPLOY rules (FR-005): the scan to compare with does too
    scan = run_cli("scan", "infra", "--extend-select", "DEPLOY", "--format", "json", cwd=tmp_path)
    findings = scan.json()["findings"]
    assert {f["rule"] for f in findings} >= {"RDS001", "RDS003", "RDS004", "RDS006", "RDS008"}
    run = review(tmp_path, "infra", "-o", "REVIEW.md")
    assert run.code == 1, run.stderr
    text = (tmp_path / "REVIEW.md").read_text()
    assert text.index("**Verdict: FAIL**") < text.index("## 1. Requirements")
    rows = matrix_rows(text)
    found = section(text, "2. Findings")
    by_file = {
        part.split("`", 2)[1]: table_rows(part)
        for part in re.split(r"^### ", found, flags=re.M)[1:]
        if part.startswith("`")
    }
    file_findings = findings  # project-level ones too, under the path they name
    assert set(by_file) == {f["path"] for f in file_findings}
    for finding in file_findings:
        assert finding["requirements"], finding
        for requirement_id in finding["requirements"]:
            assert rows[requirement_id][1] == "**FAIL**"
        # listed once, under its file, tagged with every requirement it bears on
        listed = [
            cells
            for cells in by_file[finding["path"]]
            if cells[0].strip("`").split(" ")[0] == str(finding["line"])
            and cells[1] == finding["rule"]
        ]
        same = [
            f
            for f in file_findings
            if (f["path"], f["line"], f["rule"])
            == (finding["path"], finding["line"], finding["rule"])
        ]
        assert len(listed) == len(same), (finding, listed)
        assert all(cells[4] == ", ".join(finding["requirements"]) for cells in listed)
    # the matrix counts each requirement's findings, the table lists each finding once
    for requirement_id, cells in rows.items():
        mine = [f for f in findings if requirement_id in f["requirements"]]
        assert f", {len(mine)} finding" in cells[3], (requirement_id, cells)
        assert len(re.findall(r"\b[A-Z]+\d{3}\b", cells[4])) <= 3, cells[4]
    assert sum(len(rows) - 1 for rows in by_file.values()) == len(file_findings)
    # a requirement no finding touches has none
    assert rows["FR-006"][1] == "**NOT EVIDENCED**"
    # the remediation of each rule is given once in the whole review
    assert text.count("- **RDS001** (rds-cluster):") == 1
    # the reviewer's order: decision first, evidence next, the rule table last (an appendix)
    headings = re.findall(r"^## (?:\d\. )?(.+)$", text, flags=re.M)
    assert headings == [
        "Requirements",
        "Findings",
        "Exceptions: suppressions and disabled rules",
        "Scope",
        "Configuration in effect",
        "Sign-off",
        "Appendix",
    ]
    assert text.index("## Appendix") < text.index("| RDS001 | `")


def test_html_review_escapes_scanned_text_and_is_self_contained(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": """
            Resources:
              Cluster:
                Type: AWS::RDS::DBCluster
                Metadata:
                  dsql-scan:
                    ignore:
                      - id: RDS001
                        reason: "kept <script>alert(1)</script> until cut-over | LEDGER-7"
              Fn:
                Type: AWS::Lambda::Function
                Properties:
                  Environment:
                    Variables:
                      AURORA_<script>alert(2)</script>_HOST: x
            """
        },
    )
    assert review(tmp_path, ".", "-o", "review.html").code == 1
    html = (tmp_path / "review.html").read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the suppression reason
    assert "AURORA_&lt;script&gt;alert(2)&lt;/script&gt;_HOST" in html  # the finding message
    assert "@media print" in html
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|href=\"(https?:)?//", html)
    assert_balanced(html)
    markdown_run = review(tmp_path, ".", "-o", "review.md")
    assert markdown_run.code == 1
    markdown = (tmp_path / "review.md").read_text()
    assert "<script" not in markdown.lower()
    assert "kept &lt;script&gt;alert(1)&lt;/script&gt; until cut-over \\| LEDGER-7" in markdown


class _Balance(HTMLParser):
    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unexpected </{tag}> at {self.getpos()}")


def assert_balanced(html: str) -> None:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert not parser.errors and not parser.stack, (parser.errors, parser.stack)


def test_same_source_date_epoch_gives_identical_documents(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": LEGACY})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "infra")
    git(tmp_path, "commit", "-q", "-m", "ledger")
    for name in ("a.md", "b.md", "a.html", "b.html"):
        assert review(tmp_path, "infra", "-o", name).code == 1
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    record = read((tmp_path / "a.md").read_text())
    assert record["date"] == "2024-06-10T06:13:20Z"
    assert record["commit"] == git(tmp_path, "rev-parse", "HEAD")
    assert record["dirty"] is False
    later = review(tmp_path, "infra", "-o", "c.md", env={"SOURCE_DATE_EPOCH": "1718000060"})
    assert later.code == 1
    assert (tmp_path / "c.md").read_text() != (tmp_path / "a.md").read_text()


def git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_scope_records_git_commit_dirty_flag_and_default_reviewer(tmp_path):
    write(tmp_path, migrated_system())
    isolated = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
    run = run_cli("review", "-o", "r.md", cwd=tmp_path, env={**EPOCH, **isolated})
    assert run.code == 0, run.stderr
    record = read((tmp_path / "r.md").read_text())
    assert (record["repository"], record["commit"], record["reviewer"]) == (
        "not a git repository",
        "",
        "unknown",
    )
    assert "| Commit | not a git repository |" in (tmp_path / "r.md").read_text()

    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.name", "Dev Eloper")
    git(tmp_path, "config", "user.email", "dev@example.com")
    git(tmp_path, "add", "infra", "app")
    git(tmp_path, "commit", "-q", "-m", "migrated")
    run = run_cli("review", "-o", "r.md", cwd=tmp_path, env={**EPOCH, **isolated})
    record = read((tmp_path / "r.md").read_text())
    assert record["reviewer"] == "Dev Eloper <dev@example.com>"
    assert record["commit"] == git(tmp_path, "rev-parse", "HEAD")
    assert record["dirty"] is False  # the untracked review itself does not count
    (tmp_path / "infra" / "ledger.yaml").write_text(MIGRATED + "\n# edited\n")
    run_cli("review", "-o", "r.md", cwd=tmp_path, env={**EPOCH, **isolated})
    assert read((tmp_path / "r.md").read_text())["dirty"] is True
    assert "with uncommitted changes in the scanned paths" in (tmp_path / "r.md").read_text()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("-o", "r.md"), {"SOURCE_DATE_EPOCH": "yesterday"}, "SOURCE_DATE_EPOCH"),
        (("missing", "-o", "r.md"), {}, "no such file or directory: missing"),
        (("-o", "r.md", "--select", "NOPE"), {}, "unknown rule id"),
        (("-o", "r.md", "--sign-key", "absent_key"), {}, "--sign-key"),
    ],
)
def test_review_usage_errors_are_one_line_exit_2(tmp_path, args, env, message):
    write(tmp_path, {"t.yaml": MIGRATED})
    run = run_cli("review", *args, cwd=tmp_path, env=env)
    assert run.code == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
