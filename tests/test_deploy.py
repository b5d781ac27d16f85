"""FR-005 evidenced by cfn-lint (DEPLOY001/DEPLOY002), through the installed command.

``scan`` runs the DEPLOY rules only when selected; ``review`` always does, and ``verify``
re-runs what the review ran. A review without a template in scope (CDK source alone) leaves
FR-005 not evidenced.
"""

from __future__ import annotations

import json
import re

from tests.conftest import run_cli, write
from tests.test_review import (
    MIGRATED,
    matrix_rows,
    migrated_system,
    review,
    rules_by_requirement,
)

BROKEN = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      DelaySeconds: soon
  Alerts:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: email
"""

CDK_APP = """
import aws_cdk as cdk
from aws_cdk import aws_dsql as dsql


class DataStack(cdk.Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)


app = cdk.App()
DataStack(app, "Data")
app.synth()
"""


def scan_json(root, *args: str) -> list[dict]:
    run = run_cli("scan", ".", "--format", "json", "--no-cache", *args, cwd=root)
    assert run.code in (0, 1), run.stderr
    return json.loads(run.stdout)["findings"]


def deploy_findings(findings: list[dict]) -> list[tuple[str, int, str]]:
    return [
        (f["rule"], f["line"], f["message"]) for f in findings if f["rule"].startswith("DEPLOY")
    ]


def test_scan_runs_cfn_lint_on_every_template_only_when_selected(tmp_path):
    write(tmp_path, {"stack.yaml": BROKEN})
    assert deploy_findings(scan_json(tmp_path)) == []
    selected = deploy_findings(scan_json(tmp_path, "--extend-select", "DEPLOY"))
    assert [(rule, line) for rule, line, _ in selected] == [("DEPLOY001", 5), ("DEPLOY001", 8)]
    assert selected[0][2].startswith("cfn-lint E3012: 'soon' is not of type 'integer'")
    assert selected[0][2].endswith("the template would fail deployment")
    assert "cfn-lint E3003" in selected[1][2] and "TopicArn" in selected[1][2]
    # the same through the configuration file
    write(tmp_path, {"pyproject.toml": '[tool.dsql-scan]\nextend-select = ["DEPLOY001"]\n'})
    assert [r for r, _, _ in deploy_findings(scan_json(tmp_path))] == ["DEPLOY001", "DEPLOY001"]


def test_deprecated_engine_version_is_a_warning_of_its_own(tmp_path):
    write(
        tmp_path,
        {
            "legacy.yaml": """
            Resources:
              Legacy:
                Type: AWS::RDS::DBCluster
                Properties:
                  Engine: aurora-mysql
                  EngineVersion: "5.7.12"
                  MasterUsername: admin
                  ManageMasterUserPassword: true
            """
        },
    )
    findings = [f for f in scan_json(tmp_path, "--select", "DEPLOY") if f["rule"] == "DEPLOY002"]
    assert len(findings) == 1
    assert findings[0]["severity"] == "warning"
    assert "cfn-lint W3690" in findings[0]["message"] and "5.7.12" in findings[0]["message"]


def test_cfn_lint_ignores_in_the_template_do_not_hide_errors_a_reasoned_suppression_does(
    tmp_path,
):
    ignored = BROKEN.replace(
        "Resources:",
        "Metadata:\n  cfn-lint:\n    config:\n      ignore_checks: [E3012, E3003]\nResources:",
    )
    write(tmp_path, {"stack.yaml": ignored, ".cfnlintrc": "ignore_checks:\n  - E\n"})
    assert len(deploy_findings(scan_json(tmp_path, "--select", "DEPLOY"))) == 2
    suppressed = ignored.replace(
        "    Type: AWS::SQS::Queue\n",
        "    Type: AWS::SQS::Queue\n    Metadata:\n      dsql-scan:\n        ignore:\n"
        "          - id: DEPLOY001\n            reason: queue replaced in LEDGER-12\n",
    )
    write(tmp_path, {"stack.yaml": suppressed})
    findings = scan_json(tmp_path, "--select", "DEPLOY", "--show-suppressed")
    states = sorted((f["rule"], f.get("suppressed", False)) for f in findings)
    assert states == [("DEPLOY001", False), ("DEPLOY001", True)]


def test_region_availability_is_judged_only_for_configured_regions(tmp_path):
    write(
        tmp_path,
        {
            "stack.yaml": """
            Resources:
              Web:
                Type: AWS::AppRunner::Service
                Properties:
                  SourceConfiguration: {}
            """
        },
    )
    assert deploy_findings(scan_json(tmp_path, "--select", "DEPLOY")) == []
    found = deploy_findings(scan_json(tmp_path, "--select", "DEPLOY", "--region", "cn-north-1"))
    assert [(rule, line) for rule, line, _ in found] == [("DEPLOY001", 3)]
    assert "E3006" in found[0][2] and "cn-north-1" in found[0][2]


def test_review_of_a_template_that_would_fail_deployment_fails_fr005_naming_cfn_lint_rule(
    tmp_path,
):
    write(tmp_path, {"infra/ledger.yaml": MIGRATED, "infra/queue.yaml": BROKEN})
    run = review(tmp_path, "infra", "-o", "REVIEW.md")
    assert run.code == 1, run.stderr
    text = (tmp_path / "REVIEW.md").read_text()
    rows = matrix_rows(text)
    assert rows["FR-005"][1] == "**FAIL**"
    assert "DEPLOY001" in rows["FR-005"][4]
    assert "cfn-lint E3012" in text
    queue = text.split("### `infra/queue.yaml`", 1)[1].split("\n### ", 1)[0]
    assert re.search(r"^\| `5\b[^`]*` \| DEPLOY001 \|", queue, flags=re.M), queue
    # verify re-runs what the review ran (the opt-in rules included): nothing drifted
    checked = run_cli("verify", "REVIEW.md", cwd=tmp_path)
    assert checked.code == 0, checked.stdout + checked.stderr
    assert "still true" in checked.stdout + checked.stderr


def test_review_after_a_cached_scan_still_runs_cfn_lint_whatever_select_says(tmp_path):
    write(tmp_path, {"infra/queue.yaml": BROKEN})
    # a plain scan (no DEPLOY rules, no database in this project: nothing to report) fills the
    # result cache with entries the review must not take for its own
    assert run_cli("scan", "infra", cwd=tmp_path).code == 0
    assert (tmp_path / ".dsql-scan-cache").is_dir()
    run = review(tmp_path, "infra", "--select", "RDS", "-o", "REVIEW.md")
    assert matrix_rows((tmp_path / "REVIEW.md").read_text())["FR-005"][1] == "**FAIL**", run.stderr
    checked = run_cli("verify", "REVIEW.md", cwd=tmp_path)
    assert checked.code == 0, checked.stdout + checked.stderr


def test_review_of_a_valid_template_evidences_fr005(tmp_path):
    write(tmp_path, migrated_system())
    run = review(tmp_path, "infra", "app", "-o", "REVIEW.md")
    assert run.code == 0, run.stderr
    text = (tmp_path / "REVIEW.md").read_text()
    row = matrix_rows(text)["FR-005"]
    assert row[1] == "**PASS**"
    assert "found nothing" in row[4]
    assert "DEPLOY001" in rules_by_requirement(text)["FR-005"].split(", ")


def test_review_of_cdk_source_without_cdk_out_leaves_fr005_not_evidenced(tmp_path):
    write(tmp_path, {"app.py": CDK_APP, "cdk.json": '{"app": "python3 app.py"}'})
    review(tmp_path, ".", "-o", "REVIEW.md")
    row = matrix_rows((tmp_path / "REVIEW.md").read_text())["FR-005"]
    assert row[1] == "**NOT EVIDENCED**"
    assert row[4] == (
        "not evidenced by static analysis: no CloudFormation template in scope "
        "(synthesize the CDK app: cdk synth)"
    )


def test_cfn_lint_paths_through_a_mapping_are_reported_not_a_crash(tmp_path):
    # cfn-lint's E5001 puts the offending mapping itself in the path it reports
    module = """
    Resources:
      Ledger:
        Type: AWS::DSQL::Cluster
        Properties:
          DeletionProtectionEnabled: true
      Shared:
        Type: My::Organization::Custom::MODULE
        Metadata:
          AWS::CloudFormation::Module:
            something: 'true'
    """
    write(tmp_path, {"stack.yaml": module})
    run = run_cli("scan", ".", "--select", "DEPLOY,SCAN", "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr
    found = [(f["rule"], f["line"]) for f in json.loads(run.stdout)["findings"]]
    assert found == [("DEPLOY001", 9)]


def test_extend_select_naming_no_rule_is_a_usage_error(tmp_path):
    write(tmp_path, {"stack.yaml": BROKEN})
    run = run_cli("scan", ".", "--extend-select", "DEPLOY9", cwd=tmp_path)
    assert run.code == 2
    assert "unknown rule id or prefix: 'DEPLOY9'" in run.stderr
    write(tmp_path, {"pyproject.toml": "[tool.dsql-scan]\nextend-select = 3\n"})
    run = run_cli("scan", ".", cwd=tmp_path)
    assert run.code == 2
    assert "'extend-select' must be a list of strings" in run.stderr


SYNTHESIZED = """
{
  "Resources": {
    "Queue%d": {
      "Type": "AWS::SQS::Queue",
      "Properties": {"DelaySeconds": "soon"},
      "Metadata": {"aws:cdk:path": "Stack%d/Queue/Resource"}
    }
  }
}
"""


def test_diagnostics_of_synthesized_templates_come_back_from_worker_processes(tmp_path):
    """Enough templates for the analysis to run in worker processes (--jobs 2): each result is
    sent back pickled, so the construct path read from the template must be a plain string, not
    the parser's own string class (which pickling refuses)."""
    count = 16
    write(tmp_path, {f"cdk.out/Stack{n}.template.json": SYNTHESIZED % (n, n) for n in range(count)})
    run = run_cli(
        "scan", ".", "--format", "json", "--no-cache", "--select", "DEPLOY", "--jobs", "2",
        cwd=tmp_path,
    )  # fmt: skip
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.code == 1, run.stderr
    findings = json.loads(run.stdout)["findings"]
    assert sorted(f["construct_path"] for f in findings) == sorted(
        f"Stack{n}/Queue/Resource" for n in range(count)
    )
