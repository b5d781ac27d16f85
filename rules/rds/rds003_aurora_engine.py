"""RDS003: an Aurora engine value (aurora, aurora-mysql, aurora-postgresql) in a template, a
CDK app or application configuration. It is the clearest sign of residual RDS: Aurora DSQL has no
engine or engine-version setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import RDS_CLUSTER_TEMPLATE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_engine(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for engine in facts.engines:
        if engine.value.strip().lower() in AURORA_ENGINES:
            yield Hit(
                engine.location,
                f"Aurora engine '{engine.value}' is configured; Aurora DSQL has no engine "
                "setting (it is PostgreSQL-compatible): remove the engine and its version",
            )


AURORA_ENGINES = frozenset({"aurora", "aurora-mysql", "aurora-postgresql"})


RULE = rule(
    id="RDS003",
    name="aurora-engine",
    title="Aurora engine configured",
    severity=Severity.ERROR,
    reads=("engines",),
    since="0.1.0",
    requirements=("FR-001", "SC-004"),
    rationale="""An Aurora engine value (aurora, aurora-mysql, aurora-postgresql) is the
        clearest sign of residual RDS: DSQL has no engine or engine-version setting.""",
    remediation="""Remove the engine and engine version with the RDS resource; connection code
        uses a PostgreSQL driver against the DSQL endpoint.""",
    examples=(
        Example(RDS_CLUSTER_TEMPLATE, fires=1, lines=(5,)),
        Example(
            """
            Resources:
              Db:
                Type: AWS::RDS::DBInstance
                Properties:
                  Engine: !If [UseAurora, Aurora-MySQL, mysql]
            """,
            fires=1,
            lines=(5,),
        ),
        Example(
            """
            Resources:
              Legacy:
                Type: AWS::RDS::DBInstance
                Properties:
                  Engine: postgres
            """,
            fires=0,
        ),
        Example(
            """
            from aws_cdk import aws_rds as rds

            ENGINE = rds.DatabaseClusterEngine.aurora_postgres(version=rds.AuroraPostgresEngineVersion.VER_16_4)


            def legacy_cluster(scope):
                return rds.CfnDBCluster(scope, "Legacy", engine="aurora-mysql")
            """,
            fires=2,
            kind="cdk",
            lines=(3, 7),
        ),
        Example(
            """
            \"\"\"The reporting replica runs plain PostgreSQL, not aurora-postgresql.\"\"\"

            from aws_cdk import aws_rds as rds

            ENGINE = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16)
            """,
            fires=0,
            kind="cdk",
        ),
        Example(
            """
            import psycopg

            DATABASE = {
                "engine": "aurora-postgresql",
                "host": "localhost",
            }
            DB_ENGINE = "Aurora-MySQL"
            """,
            fires=2,
            kind="app",
            lines=(4, 7),
        ),
        Example(
            """
            DATABASE = {"engine": "postgresql", "host": "abc.dsql.us-east-1.on.aws"}
            NOTE = "migrated off aurora-postgresql in 2025"
            """,
            fires=0,
            kind="app",
        ),
    ),
    check=check_engine,
)
