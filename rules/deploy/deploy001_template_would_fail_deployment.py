"""DEPLOY001: cfn-lint's error-level findings: the template would fail deployment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.deploy._common import READS, SINCE, WOULD_FAIL, reported

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_would_fail(facts: FileFacts, config: Config) -> Iterator[Hit]:
    return reported(facts, "deploy", ": the template would fail deployment")


RULE = rule(
    id=WOULD_FAIL,
    name="template-would-fail-deployment",
    title="cfn-lint says the template would fail deployment",
    severity=Severity.ERROR,
    reads=READS,
    requirements=("FR-005", "SC-001"),
    rationale="""FR-005 asks that the IaC still deploys without manual steps, and nothing
        about databases says so. cfn-lint's error-level rules (E1xxx-E8xxx) check every
        resource against CloudFormation's schemas: wrong property types, missing required
        properties, unknown attributes, invalid references. Each error on a template in
        scope (synthesized cdk.out stacks included) is a finding with cfn-lint's rule id and
        message; errors on DSQL resources are DSQL010's, E3006 is judged only for the
        configured regions. cfn-lint's own in-template ignore_checks are not honoured:
        suppress with dsql-scan's Metadata ignore and a reason. Opt-in for scan
        (--extend-select DEPLOY: cfn-lint costs about twenty times our own template
        analysis, cached per file content), always run by review.""",
    remediation="""Fix the template as cfn-lint says (run cfn-lint on it for the details),
        or, for a CDK app, fix the construct and synthesize again.""",
    examples=(
        Example(
            """
            Resources:
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  DelaySeconds: soon
              Alerts:
                Type: AWS::SNS::Subscription
                Properties:
                  Protocol: email
            """,
            fires=2,
            lines=(5, 8),
        ),
        Example(
            """
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: true
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  DelaySeconds: 30
            Outputs:
              Endpoint:
                Value: !GetAtt Ledger.Endpoint
            """,
            fires=0,
        ),
        Example(  # an error on the DSQL cluster is DSQL010's alone
            """
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: "maybe"
            """,
            fires=0,
        ),
    ),
    check=check_would_fail,
    opt_in=True,
    since=SINCE,
)
