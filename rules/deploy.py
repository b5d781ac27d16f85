"""DEPLOY: would the templates deploy at all (FR-005)?

The other families judge what a template says about databases; none of them can tell whether
CloudFormation would accept it. cfn-lint can: its error-level rules check every resource against
CloudFormation's schemas. These rules report what it finds on every template in scope
(templates and synthesized ``cdk.out`` stacks), read from the template's facts
(``TemplateDiagnostic``, filled in by ``scanner.inputs.cloudformation.validate``, which runs cfn-lint once
per template for DSQL009/DSQL010 too: errors on DSQL resources stay theirs).

cfn-lint's full rule set costs about twenty times our own template analysis, so the family is
opt-in for ``scan`` (``--extend-select DEPLOY``) and always on in ``review``.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.config import Config
from scanner.facts import FileFacts, TemplateDiagnostic
from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule

WOULD_FAIL = "DEPLOY001"
DEPRECATED = "DEPLOY002"
# The rules whose facts need cfn-lint on every template (what ``Config.lints_templates`` asks).
LINT_RULES = frozenset({WOULD_FAIL, DEPRECATED})


def _of(facts: FileFacts, category: str) -> Iterator[TemplateDiagnostic]:
    return (d for d in facts.diagnostics if d.category == category)


def _codes(diagnostic: TemplateDiagnostic) -> str:
    return "/".join(diagnostic.codes)


def check_would_fail(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for diagnostic in _of(facts, "deploy"):
        yield Hit(
            diagnostic.location,
            f"cfn-lint {_codes(diagnostic)}: {diagnostic.message}: the template would fail "
            "deployment",
        )


def check_deprecated(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for diagnostic in _of(facts, "deprecated"):
        yield Hit(
            diagnostic.location,
            f"cfn-lint {_codes(diagnostic)}: {diagnostic.message}; a new stack (or a "
            "replacement during the migration) cannot create it",
        )


RULES = (
    rule(
        id=WOULD_FAIL,
        name="template-would-fail-deployment",
        title="cfn-lint says the template would fail deployment",
        severity=Severity.ERROR,
        kinds=("cfn",),
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
    ),
    rule(
        id=DEPRECATED,
        name="deprecated-engine-version",
        title="RDS engine version is deprecated",
        severity=Severity.WARNING,
        kinds=("cfn",),
        requirements=("FR-005",),
        rationale="""An Aurora or RDS engine version that AWS has deprecated cannot be used to
            create a database any more (cfn-lint W3690 for clusters, W3691 for instances): the
            stack deploys today only because the resource already exists, and a fresh
            deployment or a replacement during the migration fails. Reported from cfn-lint's
            engine data, so the review lists it with the rest of FR-005's evidence. Opt-in for
            scan with DEPLOY001, always run by review.""",
        remediation="""Move the migration forward so the RDS resource can be deleted, or pin a
            supported EngineVersion until it is.""",
        examples=(
            Example(
                """
                Resources:
                  Legacy:
                    Type: AWS::RDS::DBCluster
                    Properties:
                      Engine: aurora-mysql
                      EngineVersion: "5.7.12"
                      MasterUsername: admin
                      ManageMasterUserPassword: true
                """,
                fires=1,
                lines=(4,),
            ),
            Example(
                """
                Resources:
                  Legacy:
                    Type: AWS::RDS::DBCluster
                    Properties:
                      Engine: aurora-postgresql
                      EngineVersion: "17.7"
                      MasterUsername: admin
                      ManageMasterUserPassword: true
                """,
                fires=0,
            ),
        ),
        check=check_deprecated,
        opt_in=True,
    ),
)
