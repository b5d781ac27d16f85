"""Issue 18, the TypeScript/JavaScript input end to end: suppressions, parsing, one project
across languages, and the link between a TypeScript CDK app's templates and its source.

Every test runs the installed ``dsql-scan`` with ``--preview`` on files under
tests/fixtures/typescript/ (copied to a temporary directory) and reads its JSON report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli, write
from tests.typescript_cases import FIXTURES


def scan(root: Path, *args: str) -> tuple[int, list[dict]]:
    run = run_cli("scan", ".", "--preview", "--no-cache", "--format", "json", *args, cwd=root)
    assert run.code in (0, 1), run.stderr
    return run.code, run.json()["findings"]


# -- suppressions ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def suppressed(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("ts-suppressions")
    shutil.copy2(FIXTURES / "suppressions" / "service.ts", root / "service.ts")
    _, findings = scan(root, "--select", "RDS,SCAN", "--show-suppressed")
    return findings


def test_line_and_block_comments_suppress_their_line_or_the_next_code(suppressed):
    hidden = {(f["line"], f["suppression"]["reason"]) for f in suppressed if f["suppressed"]}
    assert hidden == {
        (4, "Data API until LEDGER-7"),  # trailing // comment: its own line
        (7, "batch job, removed in LEDGER-8"),  # // comment on a line of its own: next code
        (14, "reporting job, removed in LEDGER-9"),  # a /* */ block above: the next code line
        (17, "block comment, LEDGER-10"),  # trailing /* */ comment
    }


def test_suppression_without_reason_is_scan003_and_hides_nothing(suppressed):
    active = {(f["rule"], f["line"]) for f in suppressed if not f["suppressed"]}
    assert {("SCAN003", 8), ("RDS009", 8)} <= active


def test_stale_suppressions_are_scan002(suppressed):
    stale = sorted(f["line"] for f in suppressed if f["rule"] == "SCAN002")
    assert stale == [5, 9]  # line 5's RDS010 half matches nothing; line 9 hides nothing


def test_comment_text_inside_a_string_is_not_a_suppression(suppressed):
    line10 = [(f["rule"], f["suppressed"]) for f in suppressed if f["line"] == 10]
    assert line10 == [("RDS009", False)]


# -- parsing --------------------------------------------------------------------------------------

DATA_API = "import { RDSDataClient } from '@aws-sdk/client-rds-data';\n"


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("ts-parsing")
    write(
        root,
        {
            "src/error.ts": "let a = 1;\nlet b = @@ 2;\n",  # an ERROR node
            "src/missing.js": "const a = { b: 1;\n",  # a missing node
            "src/unclosed.ts": "if (a) {\n  b();\n",
            "src/ok.ts": DATA_API + "export const c = new RDSDataClient({});\n",
            "src/view.tsx": DATA_API + "const client = new RDSDataClient({});\n"
            "export const View = ({ name }: { name: string }) => <div className='x'>{name}</div>;\n"
            "export { client };\n",
            "src/view.jsx": DATA_API + "const client = new RDSDataClient({});\n"
            "export const View = ({ name }) => <section>{name}<br /></section>;\n"
            "export { client };\n",
            "src/module.mjs": DATA_API + "export const m = new RDSDataClient({});\n",
            # a query with SQL: the module is analysed, and its nesting measured first
            "src/deep.js": "db.query('SELECT 1', " + "[" * 500 + "]" * 500 + ");\n",
            "src/big.js": "const a = 1;\n" * 90_000,
        },
    )
    _, findings = scan(root, "--select", "RDS,SCAN")
    return findings


def test_syntax_errors_are_scan001_at_their_position(parsed):
    failures = {f["path"]: f for f in parsed if f["rule"] == "SCAN001"}
    at = {path: (f["line"], f["column"]) for path, f in failures.items()}
    assert at["src/error.ts"] == (2, 9)  # the unexpected '@@'
    assert at["src/missing.js"] == (1, 17)  # where '}' is missing
    assert at["src/unclosed.ts"] == (2, 7)
    assert "unexpected '@@'" in failures["src/error.ts"]["message"]
    assert "missing '}'" in failures["src/missing.js"]["message"]


def test_size_and_nesting_guards_refuse_with_a_reason(parsed):
    failures = {f["path"]: f["message"] for f in parsed if f["rule"] == "SCAN001"}
    assert "over the 1,048,576-byte limit" in failures["src/big.js"]
    assert "nested over 400 levels deep" in failures["src/deep.js"]


def test_the_rest_of_the_tree_is_scanned_and_jsx_parses(parsed):
    assert sorted((f["path"], f["line"]) for f in parsed if f["rule"] == "RDS009") == [
        ("src/module.mjs", 2),
        ("src/ok.ts", 2),
        ("src/view.jsx", 2),
        ("src/view.tsx", 2),
    ]
    assert sorted(f["path"] for f in parsed if f["rule"] == "SCAN001") == [
        "src/big.js",
        "src/deep.js",
        "src/error.ts",
        "src/missing.js",
        "src/unclosed.ts",
    ]


def test_a_parse_failure_prints_no_traceback(tmp_path):
    write(tmp_path, {"broken.ts": "export function f(x: number {\n  return x;\n}\n"})
    run = run_cli("scan", ".", "--preview", "--no-cache", cwd=tmp_path)
    assert run.code == 1
    assert "broken.ts:1:28: SCAN001" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


# -- one project across languages ---------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path) -> Path:
    return shutil.copytree(FIXTURES / "mixed", tmp_path / "mixed")


def test_mixed_repository_is_one_project(mixed):
    """The TypeScript CDK app declares the cluster (in its source and in its cdk.out: one
    cluster), a Python CDK app grants its jobs dsql:DbConnect, the TypeScript API connects as
    admin: DSQL015 is judged across all of them, and nothing else is reported (no DSQL001, no
    DSQL002, no DSQL011: the API's health check counts for the project)."""
    code, findings = scan(mixed)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("DSQL015", "api/db.ts", 9)]


def test_clusters_of_both_languages_are_counted_together(mixed):
    """A second cluster, declared by the Python app, makes two: the TypeScript source's and
    its template's ``Ledger`` stay one."""
    jobs = mixed / "jobs" / "jobs_stack.py"
    text = jobs.read_text(encoding="utf-8")
    text = text.replace(
        "from aws_cdk import aws_iam as iam\n",
        "from aws_cdk import aws_dsql as dsql\nfrom aws_cdk import aws_iam as iam\n",
    ).replace(
        "        nightly = lambda_.Function(\n",
        '        dsql.CfnCluster(self, "Scratch", deletion_protection_enabled=True)\n'
        "        nightly = lambda_.Function(\n",
    )
    jobs.write_text(text, encoding="utf-8")
    _, findings = scan(mixed, "--select", "DSQL002")
    (count,) = findings
    assert (count["path"], count["line"]) == ("jobs/jobs_stack.py", 13)
    assert "2 Aurora DSQL clusters" in count["message"]
    assert (
        "Ledger (infra/cdk.out/Data.template.json)+Ledger (infra/lib/data-stack.ts)"
        in (count["message"])
    )


def test_the_admin_grant_in_the_python_app_satisfies_the_typescript_api(mixed):
    jobs = mixed / "jobs" / "jobs_stack.py"
    jobs.write_text(
        jobs.read_text(encoding="utf-8").replace('"dsql:DbConnect"', '"dsql:DbConnectAdmin"'),
        encoding="utf-8",
    )
    _, findings = scan(mixed)
    assert [(f["rule"], f["path"]) for f in findings] == [("DSQL006", "jobs/jobs_stack.py")]


# -- template <-> source link -------------------------------------------------------------------

STACK = """\
import { Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';

export class Ledger extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    new rds.DatabaseCluster(this, 'OrbitAurora', {
      engine: rds.DatabaseClusterEngine.AURORA_POSTGRESQL,
    });
    new rds.SubnetGroup(this, 'Subnets', { description: 'ledger', vpc: undefined as any });
  }
}
"""
REPORTS = """\
const rds = require('aws-cdk-lib/aws-rds');

function reports(scope) {
  new rds.SubnetGroup(scope, 'Subnets', { description: 'reports', vpc: null });
}

module.exports = { reports };
"""


def resource(type_name: str, path: str) -> dict:
    return {"Type": type_name, "Metadata": {"aws:cdk:path": path}}


TEMPLATE = {
    "Resources": {
        "OrbitAurora1A2B3C4D": resource("AWS::RDS::DBCluster", "Ledger/OrbitAurora/Resource"),
        "OrbitAurorawriter5E6F": resource(
            "AWS::RDS::DBInstance", "Ledger/OrbitAurora/writer/Resource"
        ),
        "Subnets99AA": resource("AWS::RDS::DBSubnetGroup", "Ledger/Subnets/Default"),
        "ProxyBBCC": resource("AWS::RDS::DBProxy", "Ledger/Elsewhere/Resource"),
    }
}


def links(findings: list[dict]) -> dict[str, tuple[str, int] | None]:
    out = {}
    for finding in findings:
        if finding["path"].endswith(".template.json") and finding["rule"] != "RDS003":
            place = (finding.get("source_path"), finding.get("source_line"))
            out[finding.get("resource")] = place if place[0] else None
    return out


def test_construct_ids_link_template_findings_to_the_typescript_line(tmp_path):
    """The same cases as the Python link (tests/test_source_link.py): a unique id links to its
    line, the deepest known id decides, an id created in two files or in none is not guessed."""
    write(tmp_path, {"lib/stack.ts": STACK, "lib/reports.js": REPORTS})
    write(tmp_path, {"cdk.out/Ledger.template.json": json.dumps(TEMPLATE, indent=1)})
    _, findings = scan(tmp_path)
    assert links(findings) == {
        "OrbitAurora1A2B3C4D": ("lib/stack.ts", 7),
        "OrbitAurorawriter5E6F": ("lib/stack.ts", 7),
        "Subnets99AA": None,  # created in lib/stack.ts and in lib/reports.js
        "ProxyBBCC": None,
    }
    text = run_cli("scan", ".", "--preview", "--no-cache", cwd=tmp_path).stdout
    assert "= defined at lib/stack.ts:7" in text


# What CDK synthesizes for the database stack of the TypeScript ledger app (its construct tree
# is the same as the Python twin's, so the logical ids are too), without path metadata.
DATABASE_LINKS = {
    ("RDS004", "LedgerSubnets3F0C9549"): ("lib/database-stack.ts", 19),
    ("RDS005", "DatabaseLedgerSecretF1A1B41D3fdaad7efa858a3daf9490cf0a702aeb"): (
        "lib/database-stack.ts",
        19,
    ),
    ("RDS005", "LedgerSecretAttachmentB400729F"): ("lib/database-stack.ts", 19),
    ("RDS001", "LedgerB7379752"): ("lib/database-stack.ts", 19),
    ("RDS003", "LedgerB7379752"): ("lib/database-stack.ts", 19),
    ("RDS002", "LedgerwriterFAEBCF1A"): ("lib/database-stack.ts", 26),
    ("RDS003", "LedgerwriterFAEBCF1A"): ("lib/database-stack.ts", 26),
}
PATHS = {
    "LedgerSubnets3F0C9549": "Database/Ledger/Subnets/Default",
    "DatabaseLedgerSecretF1A1B41D3fdaad7efa858a3daf9490cf0a702aeb": "Database/Ledger/Secret/Resource",
    "LedgerSecretAttachmentB400729F": "Database/Ledger/Secret/Attachment/Resource",
    "LedgerB7379752": "Database/Ledger/Resource",
    "LedgerwriterFAEBCF1A": "Database/Ledger/writer/Resource",
}


@pytest.mark.parametrize("metadata", ["without", "with"])
def test_a_multi_stack_typescript_app_links_its_synthesized_template(tmp_path, metadata):
    """The legacy TypeScript ledger app with its database stack's template: every RDS
    resource's finding names the line of lib/database-stack.ts that created it, from the
    ``aws:cdk:path`` metadata or, without it, from CDK's logical ids of the source's construct
    ids (through bin/app.ts's ``new DatabaseStack(app, 'Database', ...)``)."""
    app = FIXTURES / "multistack"
    shutil.copytree(app / "common", tmp_path / "app")
    shutil.copytree(app / "legacy", tmp_path / "app", dirs_exist_ok=True)
    template = json.loads((app / "legacy-cdkout" / "Database.template.json").read_text("utf-8"))
    if metadata == "with":
        for logical_id, path in PATHS.items():
            template["Resources"][logical_id]["Metadata"] = {"aws:cdk:path": path}
    write(tmp_path / "app", {"cdk.out/Database.template.json": json.dumps(template, indent=1)})
    _, findings = scan(tmp_path / "app", "--select", "RDS")
    linked = {
        (f["rule"], f["resource"]): (f.get("source_path"), f.get("source_line"))
        for f in findings
        if f["path"] == "cdk.out/Database.template.json" and f.get("resource") in PATHS
    }
    assert linked == DATABASE_LINKS
