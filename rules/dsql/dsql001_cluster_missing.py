"""DSQL001: the project has a database but no Aurora DSQL cluster is declared.

The migration's target is one Aurora DSQL cluster: without one in any template or CDK app, the
data has nowhere to go. Judged over the whole project scope, only where it shows a database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.project.context import EVIDENCE_FIELDS, Project, database_evidence
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CLUSTER, CONNECTION_CODE, first_evidence, template

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_cluster_missing(project: Project, config: Config) -> Iterator[Hit]:
    if not project.has_infrastructure or project.clusters or project.incomplete:
        return  # nothing to judge, or a file in scope could not be read
    # CDK source before templates: with cdk.out in scope, the source is what the user edits
    sign = first_evidence(database_evidence(project, config), "cdk", "cfn", "app", "sql")
    if sign is None:
        return  # no database anywhere: nothing to migrate
    count = len(project.of_kind("cfn", "cdk"))
    yield Hit(
        sign.location,
        f"no Aurora DSQL cluster is declared in the {count} template/CDK file(s) in scope, "
        f"though the project has a database ({sign.what}); declare one AWS::DSQL::Cluster "
        "(CDK: aws_dsql.CfnCluster) with DeletionProtectionEnabled: true to replace the "
        "Aurora RDS cluster",
    )


RULE = rule(
    id="DSQL001",
    name="dsql-cluster-missing",
    title="No Aurora DSQL cluster declared",
    severity=Severity.ERROR,
    reads=EVIDENCE_FIELDS,
    since="0.1.0",
    requirements=("FR-001", "SC-001"),
    rationale="""The migration's target is one Aurora DSQL cluster. If no template and no CDK
        app in the project declares one, the data has nowhere to go. Judged over the whole
        project scope (the configured roots), so naming one changed file never makes it
        fire; not judged when no infrastructure file is in scope or one cannot be read, nor
        in a project without any sign of an Aurora RDS or DSQL database (an engine, an RDS
        or DSQL setting, IAM action, API call or migration): such a project has nothing to
        migrate. The finding points at that sign, preferably in CDK source, else a template
        (the Aurora engine that the DSQL cluster replaces).""",
    remediation="""Declare an AWS::DSQL::Cluster (CDK: aws_dsql.CfnCluster, or the alpha
        aws_dsql_alpha.Cluster) with DeletionProtectionEnabled: true.""",
    examples=(
        Example(
            """
            Resources:
              Legacy:
                Type: AWS::RDS::DBCluster
                Properties:
                  Engine: aurora-postgresql
            """,
            fires=1,
            lines=(5,),
        ),
        Example(
            """
            Resources:
              Table:
                Type: AWS::DynamoDB::Table
            """,
            fires=0,
        ),
        Example(
            """
            Resources:
              Table:
                Type: AWS::DynamoDB::Table
            """,
            fires=0,
            extra_files=(("data.yaml", template(CLUSTER)),),
        ),
        Example(
            """
            import aws_cdk as cdk
            from aws_cdk import aws_rds as rds
            from constructs import Construct


            class LedgerStack(cdk.Stack):
                def __init__(self, scope: Construct, construct_id: str) -> None:
                    super().__init__(scope, construct_id)
                    rds.CfnDBCluster(self, "Legacy", engine="aurora-postgresql")


            app = cdk.App()
            LedgerStack(app, "Ledger")
            app.synth()
            """,
            kind="cdk",
            fires=1,
            lines=(9,),
        ),
        Example(
            CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app"),
            kind="app",
            fires=1,
            lines=(9,),  # the application's DSQL client: no template declares a database
            extra_files=(("table.yaml", "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n"),),
        ),
    ),
    project_check=check_cluster_missing,
)
