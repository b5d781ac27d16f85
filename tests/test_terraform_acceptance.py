"""Issue 19 acceptance, Terraform: the same rules on ``.tf`` configurations, run as a user would.

Each case under tests/fixtures/terraform/<group>/ is one root module (a directory, with the local
modules it calls under ``modules/``), written as teams write Terraform for the AWS provider 5.x
and 6.x; its expected findings are marked beside the code (see tests/marked_cases.py). The
installed ``dsql-scan`` scans a copy of each case; Terraform is a default input, so no
``--preview``. Groups:

- legacy: an Aurora PostgreSQL ledger over five files, every residue item at its exact line;
- half-migrated: both clusters, admin connect on ``cluster/*``, the secret still wired;
- migrated: one protected DSQL cluster and its application: nothing reported, the review PASSes;
- trap: ``aws_rds_cluster "aurora_dsql"`` on aurora-mysql is still RDS, and there is no DSQL;
- workspace: deletion protection from ``terraform.workspace`` is unknown, never a finding;
- references: variables (defaults, terraform.tfvars, *.auto.tfvars), locals, local and registry
  modules, and data sources that stay unknown;
- suppressions: ``# dsql-scan: ignore[...]`` comments on the line and on the line before;
- negative: DynamoDB, S3, EKS, Redshift and DocumentDB with "aurora" in prose: nothing;
- bad: a merge conflict (SCAN001) beside a valid file, and a ``.tf.json`` configuration;
- residue: the rest of the RDS resource, credential, IAM, ingress and SSM shapes of the scope;
- requirements: the DSQL target state (cluster sets and peering, region, connect permissions).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.marked_cases import MarkedCases, describe, found, line_of

TERRAFORM = MarkedCases(ROOT / "tests" / "fixtures" / "terraform")
FIXTURES = TERRAFORM.root
EPOCH = {"SOURCE_DATE_EPOCH": "1718000000"}
REVIEWER = "Ledger Reviewer <ledger@example.com>"


def _ids(cases: list[Path]) -> list[str]:
    return [case.name for case in cases]


def _group(name: str) -> list[Path]:
    return TERRAFORM.cases(name)


# -- one parametrised test per group --------------------------------------------------------------


@pytest.mark.parametrize("case", _group("legacy"), ids=_ids(_group("legacy")))
def test_legacy_configuration_reports_every_residue_item_at_its_line(tmp_path, case):
    findings = TERRAFORM.check(case, tmp_path / "case")
    # names are Terraform addresses, located at the block's header
    cluster = next(f for f in findings if f["rule"] == "RDS001")
    assert cluster["resource"] == "aws_rds_cluster.main", cluster
    assert cluster["column"] == 1, cluster
    nodes = [(f["rule"], f["path"], f["line"], f["column"]) for f in findings]
    assert len(nodes) == len(set(nodes)), "one finding per node"


@pytest.mark.parametrize("case", _group("half-migrated"), ids=_ids(_group("half-migrated")))
def test_half_migrated_configuration_reports_the_dsql_requirements_and_the_residue(tmp_path, case):
    findings = TERRAFORM.check(case, tmp_path / "case")
    messages = {f["rule"]: f["message"] for f in findings}
    assert "aws_dsql_cluster.ledger" in messages["DSQL007"]
    assert "aws_lambda_function.api" in messages["DSQL008"]
    assert "AWS IAM GRANT" in messages["DSQL006"]


@pytest.mark.parametrize("case", _group("migrated"), ids=_ids(_group("migrated")))
def test_migrated_configuration_reports_nothing(tmp_path, case):
    assert TERRAFORM.check(case, tmp_path / "case") == []


@pytest.mark.parametrize("case", _group("trap"), ids=_ids(_group("trap")))
def test_renamed_rds_cluster_is_rds_and_no_dsql_cluster(tmp_path, case):
    findings = TERRAFORM.check(case, tmp_path / "case")
    missing = next(f for f in findings if f["rule"] == "DSQL001")
    assert "aurora-mysql" in missing["message"]


@pytest.mark.parametrize("case", _group("workspace"), ids=_ids(_group("workspace")))
def test_workspace_dependent_protection_is_unknown_not_a_finding(tmp_path, case):
    assert TERRAFORM.check(case, tmp_path / "case") == []


@pytest.mark.parametrize("case", _group("references"), ids=_ids(_group("references")))
def test_references_are_followed_and_unknowns_stay_unknown(tmp_path, case):
    TERRAFORM.check(case, tmp_path / "case")


@pytest.mark.parametrize("case", _group("suppressions"), ids=_ids(_group("suppressions")))
def test_suppression_comments_hide_their_line_or_the_next(tmp_path, case):
    TERRAFORM.check(case, tmp_path / "case")


@pytest.mark.parametrize("case", _group("negative"), ids=_ids(_group("negative")))
def test_negative_control_reports_nothing(tmp_path, case):
    assert TERRAFORM.check(case, tmp_path / "case") == []


@pytest.mark.parametrize("case", _group("bad"), ids=_ids(_group("bad")))
def test_bad_input_is_a_finding_and_the_rest_is_scanned(tmp_path, case):
    TERRAFORM.check(case, tmp_path / "case", also=json_expected(case))


@pytest.mark.parametrize("case", _group("residue"), ids=_ids(_group("residue")))
def test_residue_shapes_of_the_scope_are_reported(tmp_path, case):
    TERRAFORM.check(case, tmp_path / "case")


@pytest.mark.parametrize("case", _group("requirements"), ids=_ids(_group("requirements")))
def test_dsql_target_state_is_judged(tmp_path, case):
    TERRAFORM.check(case, tmp_path / "case")


def test_region_from_the_command_line_when_the_provider_names_none(tmp_path):
    """The provider takes its region from the environment here: --region says where it goes."""
    case = FIXTURES / "requirements" / "region"
    project = shutil.copytree(case, tmp_path / "region")
    source = project / "main.tf"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace('  region = "us-west-1"\n', ""), encoding="utf-8")
    header = line_of(source, 'resource "aws_dsql_cluster" "ledger"')
    select = ("--no-cache", "--format", "json", "--select", "DSQL")
    scans = {
        region: run_cli("scan", ".", *select, "--region", region, cwd=project)
        for region in ("us-west-1", "us-east-1")
    }
    assert found(scans["us-west-1"].json()["findings"]) == Counter(
        {("DSQL009", "main.tf", header): 1}
    )
    assert scans["us-east-1"].json()["findings"] == []


# -- what the markers cannot say ------------------------------------------------------------------


def json_expected(case: Path) -> Counter:
    """A ``.tf.json`` file carries no comments: the expectations of the case's one, anchored on
    its text (a block at the line of its name's key, an attribute at its value, an ingress at
    its object); none for a case without one."""
    path = case / "main.tf.json"
    if not path.exists():
        return Counter()
    at = {
        "RDS001": line_of(path, '"ledger": {'),
        "RDS005": line_of(path, '"manage_master_user_password": true'),
        "RDS002": line_of(path, '"ledger_writer": {'),
        "RDS007": line_of(path, '"ingress": [') + 1,
        "RDS008": line_of(path, '"value": "${aws_rds_cluster.ledger.endpoint}"'),
    }
    keys = Counter({(rule, path.name, line): 1 for rule, line in at.items()})
    for engine in ('"engine": "aurora-postgresql"', '"engine": "${aws_rds_cluster.ledger.engine}"'):
        keys[("RDS003", path.name, line_of(path, engine))] += 1
    return keys


def test_merge_conflict_is_scan001_at_the_marker_without_a_traceback(tmp_path):
    case = FIXTURES / "bad" / "conflict"
    _, findings = TERRAFORM.scan_case(case, tmp_path / "case")
    broken = [f for f in findings if f["rule"] == "SCAN001"]
    assert [(f["path"], f["line"]) for f in broken] == [
        ("database.tf", line_of(case / "database.tf", "<<<<<<< HEAD"))
    ]
    assert broken[0]["column"] >= 1
    run = run_cli("scan", ".", "--no-cache", "--select", "RDS,SCAN", cwd=tmp_path / "case")
    assert "Traceback" not in run.stdout + run.stderr


def test_tfvars_value_wins_over_the_variable_default(tmp_path):
    """terraform.tfvars sets engine = "aurora-mysql" over the default aurora-postgresql."""
    case = FIXTURES / "references" / "variables"
    _, findings = TERRAFORM.scan_case(case, tmp_path / "case")
    engine = next(f for f in findings if f["rule"] == "RDS003")
    assert "'aurora-mysql'" in engine["message"], engine["message"]


def test_suppressed_findings_keep_their_reasons(tmp_path):
    case = FIXTURES / "suppressions" / "ledger"
    source = case / "main.tf"
    _, findings = TERRAFORM.scan_case(case, tmp_path / "case", "--show-suppressed")
    hidden = {
        (f["rule"], f["line"], f["suppression"]["reason"]) for f in findings if f["suppressed"]
    }
    assert hidden == {
        (
            "RDS001",
            line_of(source, 'resource "aws_rds_cluster" "legacy"'),
            "kept read-only until the export to DSQL is verified (LEDGER-42)",
        ),
        (  # a trailing comment: its own line
            "RDS007",
            line_of(source, "ingress { # dsql-scan"),
            "the reporting VPN reads the old cluster until cut-over (LEDGER-42)",
        ),
        (  # a // comment on a line of its own: the next line of code
            "RDS007",
            line_of(source, "// dsql-scan") + 1,
            "the batch importer moves to DSQL in LEDGER-51",
        ),
    }


# -- reviews --------------------------------------------------------------------------------------


def _review(project: Path) -> tuple[int, str]:
    run = run_cli("review", ".", "-o", "REVIEW.md", "--reviewer", REVIEWER, cwd=project, env=EPOCH)
    document = (project / "REVIEW.md").read_text(encoding="utf-8")
    return run.code, document


def _verdict(document: str) -> str:
    return re.search(r"\*\*Verdict: ([A-Z ]+)\*\*", document).group(1)


def _matrix(document: str) -> dict[str, tuple[str, str]]:
    """(status, explanation) of each row of the requirement matrix."""
    table = document.split("## 1. Requirements", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 5 and re.fullmatch(r"(FR|SC)-\d{3}", cells[0]):
            rows[cells[0]] = (cells[1].strip("*").lower(), cells[4])
    return rows


def test_migrated_configuration_review_passes(tmp_path):
    project = shutil.copytree(FIXTURES / "migrated" / "ledger", tmp_path / "ledger")
    code, document = _review(project)
    assert _verdict(document) == "PASS", document.split("## 1. Requirements")[0]
    assert code == 0
    for source in ("main.tf", "lambda.tf", "iam.tf", "app/db.py"):
        assert f"| `{source}` | analysed" in document, source
    assert _matrix(document)["FR-004"][0] == "pass"  # the health check in app/db.py


def test_workspace_dependent_protection_review_names_the_unresolved_value(tmp_path):
    """No DSQL007, but the review does not claim the protection either: the requirement it
    evidences depends on a value the scan could not resolve (terraform.workspace)."""
    project = shutil.copytree(FIXTURES / "workspace" / "protection", tmp_path / "protection")
    _, document = _review(project)
    rows = _matrix(document)
    unresolved = {
        requirement: explanation
        for requirement, (status, explanation) in rows.items()
        if re.search(r"could not (?:be )?resolved?|unresolved", explanation, re.IGNORECASE)
    }
    assert unresolved, rows
    assert set(unresolved) <= {"FR-001", "FR-005", "SC-001"}, unresolved  # deletion protection
    for requirement, explanation in unresolved.items():
        assert rows[requirement][0] != "pass", rows[requirement]
        assert re.search(SAYS_WHICH, explanation, re.IGNORECASE), explanation


# What the explanation names: the rule, the setting, the value or the cluster.
SAYS_WHICH = r"DSQL007|deletion.?protection|terraform\.workspace|aws_dsql_cluster\.orders"


# -- the negative controls' positive twins --------------------------------------------------------


def _twin(tmp_path: Path, case: Path, edits: list[tuple[str, str]]) -> tuple[Path, list[dict]]:
    """The case with ``edits`` applied to its main.tf, scanned with every default rule."""
    copy = shutil.copytree(case, tmp_path / "twin")
    source = copy / "main.tf"
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    source.write_text(text, encoding="utf-8")
    run = run_cli("scan", ".", "--no-cache", "--format", "json", cwd=copy)
    assert run.code == 1, run.stderr
    return source, run.json()["findings"]


def test_redshift_ingress_on_the_postgres_port_is_reported(tmp_path):
    source, findings = _twin(
        tmp_path,
        FIXTURES / "negative" / "other-databases",
        [
            ("from_port   = 5439", "from_port   = 5432"),
            ("to_port     = 5439", "to_port     = 5432"),
        ],
    )
    ingress = line_of(source, 'description = "Redshift from the BI tools"') - 1
    assert ("RDS007", "main.tf", ingress) in found(findings)


def test_the_documentdb_cluster_as_an_aurora_cluster_is_reported(tmp_path):
    """The catalogue's secret and password are silent because they belong to DocumentDB: the
    same configuration on an Aurora cluster reports them."""
    source, findings = _twin(
        tmp_path,
        FIXTURES / "negative" / "other-databases",
        [
            ('resource "aws_docdb_cluster" "catalog"', 'resource "aws_rds_cluster" "catalog"'),
            ('engine                 = "docdb"', 'engine                 = "aurora-postgresql"'),
            ("aws_docdb_cluster.catalog.", "aws_rds_cluster.catalog."),
        ],
    )
    want = Counter(
        {
            ("RDS001", "main.tf", line_of(source, 'resource "aws_rds_cluster" "catalog"')): 1,
            ("RDS003", "main.tf", line_of(source, '"aurora-postgresql"')): 1,
            ("RDS005", "main.tf", line_of(source, 'resource "random_password" "catalog"')): 1,
            ("RDS005", "main.tf", line_of(source, 'resource "aws_secretsmanager_secret" "c')): 1,
            ("RDS008", "main.tf", line_of(source, "CATALOG_HOST ")): 1,
            ("RDS008", "main.tf", line_of(source, "CATALOG_SECRET_ARN ")): 1,
        }
    )
    assert not describe(want - found(findings)), describe(want - found(findings))


# -- pre-commit: one changed file -----------------------------------------------------------------


@pytest.mark.parametrize("changed", ["iam.tf", "main.tf", "outputs.tf"])
def test_one_changed_file_reports_what_the_whole_scan_reports_there(tmp_path, changed):
    """What the pre-commit hook runs: one changed file, the rest of the module as context (the
    secret and the cluster its statements and outputs name are declared in main.tf)."""
    project = shutil.copytree(FIXTURES / "legacy" / "ledger", tmp_path / "ledger")
    _, whole = TERRAFORM.scan_case(FIXTURES / "legacy" / "ledger", tmp_path / "whole")
    run = run_cli(
        "scan", "--lenient-paths", "--no-cache", "--format", "json", "--select", "RDS,SCAN",
        changed, cwd=project,
    )  # fmt: skip
    assert run.code == 1, run.stderr
    got = found([f for f in run.json()["findings"] if f["path"] == changed])
    want = found([f for f in whole if f["path"] == changed])
    assert want and describe(got) == describe(want)
