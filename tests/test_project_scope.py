"""Project rules judge the project, whatever files are named (pre-commit passes only changed ones).

A two-stack project: the cluster lives in a data stack and is exported; the API stack imports
its endpoint and ARN (CDK's cross-stack pattern). Scanning only the changed API template must
not claim the cluster is missing, and findings about other files stay out of a partial report.
"""

from __future__ import annotations

import subprocess

from scanner.config import load
from scanner.pipeline.engine import scan
from tests.conftest import run_cli, write

DATA = """
Resources:
  Ledger:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
Outputs:
  LedgerArn:
    Value: !GetAtt Ledger.ResourceArn
    Export: {Name: ledger-dsql-arn}
  LedgerEndpoint:
    Value: !GetAtt Ledger.Endpoint
    Export: {Name: ledger-dsql-endpoint}
"""

API = """
Resources:
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: connect
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: {action}
                Resource: !ImportValue ledger-dsql-arn
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt ApiRole.Arn
      Environment:
        Variables:
          DSQL_ENDPOINT: !ImportValue ledger-dsql-endpoint
          DSQL_CLUSTER_ARN: !ImportValue ledger-dsql-arn
          DSQL_DATABASE: postgres
"""

REPORTS = """
Resources:
  Reports:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
"""

PYPROJECT = """
[tool.dsql-scan]
include = ["infra"]

[tool.dsql-scan.dsql]
required-env = ["DSQL_ENDPOINT", "DSQL_CLUSTER_ARN", "DSQL_DATABASE"]
"""


def project(root, action="dsql:DbConnect", **extra):
    return write(
        root,
        {
            "pyproject.toml": PYPROJECT,
            "infra/data.yaml": DATA,
            "infra/api.yaml": API.replace("{action}", action),
            **extra,
        },
    )


def rules_of(run):
    return [(f["rule"], f["path"]) for f in run.json()["findings"]]


def test_changed_file_of_migrated_project_reports_no_project_finding(tmp_path):
    root = project(tmp_path)
    changed = run_cli("--format", "json", "infra/api.yaml", cwd=root)
    assert (changed.code, rules_of(changed)) == (0, []), changed.stderr
    everything = run_cli("--format", "json", cwd=root)
    assert (everything.code, rules_of(everything)) == (0, []), everything.stderr


def test_a_file_alone_is_the_whole_project_without_config_or_repository(tmp_path):
    write(tmp_path, {"api.yaml": API.replace("{action}", "dsql:DbConnect")})
    run = run_cli("--format", "json", "api.yaml", cwd=tmp_path)
    assert rules_of(run) == [("DSQL001", "api.yaml")]  # at its dsql:DbConnect, never at "."


def test_a_git_work_tree_is_the_project_without_config(tmp_path):
    write(tmp_path, {"data.yaml": DATA, "api.yaml": API.replace("{action}", "dsql:DbConnect")})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    run = run_cli("--format", "json", "api.yaml", cwd=tmp_path)
    assert (run.code, rules_of(run)) == (0, [])


def test_project_findings_are_reported_for_named_files_and_the_root_only(tmp_path):
    root = project(tmp_path, **{"infra/reports.yaml": REPORTS})
    changed = run_cli("--format", "json", "infra/api.yaml", cwd=root)
    assert rules_of(changed) == []
    named = run_cli("--format", "json", "infra/reports.yaml", cwd=root)
    assert rules_of(named) == [("DSQL002", "infra/reports.yaml")]
    assert "Ledger (infra/data.yaml)" in named.json()["findings"][0]["message"]


def test_project_level_finding_points_at_the_database_never_at_the_configuration(tmp_path):
    queue = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
    write(tmp_path, {"pyproject.toml": PYPROJECT, "infra/queue.yaml": queue})
    run = run_cli("--format", "json", "infra/queue.yaml", cwd=tmp_path)
    assert (run.code, rules_of(run)) == (0, [])  # no database anywhere: nothing to migrate
    legacy = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n"
    write(tmp_path, {"infra/legacy.yaml": legacy + "      Engine: aurora-postgresql\n"})
    run = run_cli("--format", "json", "--select", "DSQL", "infra/legacy.yaml", cwd=tmp_path)
    (finding,) = run.json()["findings"]
    assert (finding["rule"], finding["path"], finding["line"]) == (
        "DSQL001",
        "infra/legacy.yaml",
        5,
    )
    assert "(the database engine aurora-postgresql)" in finding["message"] and run.code == 1


def test_imports_link_stacks_for_permissions(tmp_path):
    root = project(tmp_path, action="s3:GetObject")
    result = scan((), load(start=root))
    found = [(f.rule, f.location.path, f.location.resource) for f in result.findings]
    assert found == [("DSQL004", "infra/api.yaml", "Api")]
    assert "'Ledger'" in result.findings[0].message


def test_project_findings_honour_resource_suppressions(tmp_path):
    suppressed = REPORTS.replace(
        "    Properties:",
        "    Metadata:\n      dsql-scan:\n        ignore:\n"
        "          - id: DSQL002\n            reason: analytics copy, LEDGER-7\n    Properties:",
    )
    root = project(tmp_path, **{"infra/reports.yaml": suppressed})
    result = scan((), load(start=root))
    assert [(f.rule, f.suppressed, f.suppression_reason) for f in result.findings] == [
        ("DSQL002", True, "analytics copy, LEDGER-7")
    ]


def test_a_file_outside_the_project_is_judged_alone(tmp_path):
    repo = write(tmp_path / "repo", {"data.yaml": DATA})
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    elsewhere = write(tmp_path / "elsewhere", {"api.yaml": API.replace("{action}", "dsql:*")})
    run = run_cli("--format", "json", str(elsewhere / "api.yaml"), cwd=repo)
    assert [f["rule"] for f in run.json()["findings"]] == ["DSQL001", "DSQL005"]


def _fresh_and_warm(root, named):
    fresh = run_cli("--format", "json", "--no-cache", named, cwd=root)
    run_cli("--format", "json", cwd=root)  # a full scan fills the cache
    warm = [run_cli("--format", "json", named, cwd=root) for _ in range(2)]
    assert [(w.code, w.stdout) for w in warm] == [(fresh.code, fresh.stdout)] * 2
    return fresh


def test_cached_context_gives_the_same_report_as_a_fresh_analysis(tmp_path):
    """Context files come from small cache entries (their context view) on warm runs; the
    report must be byte-identical to a run that analyses every file afresh."""
    broken = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Ledger: [unclosed\n"
    root = project(tmp_path, action="rds-db:connect", **{"infra/broken.yaml": broken})
    complete = _fresh_and_warm(root, "infra/api.yaml")
    assert sorted(rules_of(complete)) == [
        ("DSQL004", "infra/api.yaml"),
        ("RDS006", "infra/api.yaml"),
    ]
    # without the cluster's stack, an unreadable context template keeps DSQL001 quiet: the scope
    # is incomplete, and the context view must still say so
    (root / "infra/data.yaml").unlink()
    incomplete = _fresh_and_warm(root, "infra/api.yaml")
    assert "DSQL001" not in [rule for rule, _ in rules_of(incomplete)]
    (root / "infra/broken.yaml").unlink()
    assert ("DSQL001", "infra/api.yaml") in rules_of(_fresh_and_warm(root, "infra/api.yaml"))
