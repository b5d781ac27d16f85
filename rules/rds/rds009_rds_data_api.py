"""RDS009: application code that uses the RDS Data API: an rds-data client, or
execute_statement, batch_execute_statement and the transaction calls on one, wherever the client
was created and whatever it was named. Aurora DSQL has no Data API, so the code still talks to
the Aurora RDS cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_data_api(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for call in facts.api_calls:
        if call.service != DATA_API_SERVICE:
            continue
        if call.method == CLIENT_CREATION:
            yield Hit(
                call.location,
                "boto3 client for the RDS Data API ('rds-data'); Aurora DSQL has no Data API: "
                "connect with a PostgreSQL driver and an IAM token from the 'dsql' client",
            )
        elif call.method in DATA_API_CALLS:
            yield Hit(
                call.location,
                f"{call.method}() runs SQL through the RDS Data API, which Aurora DSQL does not "
                "have; run the statement over a PostgreSQL connection to the DSQL endpoint",
            )


DATA_API_SERVICE = "rds-data"

DATA_API_CALLS = frozenset(
    {
        "execute_statement",
        "batch_execute_statement",
        "begin_transaction",
        "commit_transaction",
        "rollback_transaction",
        "execute_sql",
    }
)

CLIENT_CREATION = "client"


RULE = rule(
    id="RDS009",
    name="rds-data-api",
    title="Application uses the RDS Data API",
    severity=Severity.ERROR,
    reads=("api_calls",),
    since="0.1.0",
    requirements=("FR-001", "SC-004"),
    rationale="""Aurora DSQL has no Data API. Code that creates an rds-data client or calls
        execute_statement, batch_execute_statement or the transaction calls on one still
        talks to the Aurora RDS cluster, wherever the client was created (module global,
        attribute, session) and whatever it was named.""",
    remediation="""Connect to the DSQL endpoint with a PostgreSQL driver (psycopg) and a token
        from boto3.client("dsql").generate_db_connect_auth_token(), and run the SQL over that
        connection.""",
    examples=(
        Example(
            """
            import boto3

            client = boto3.client("rds-data")


            def balances(cluster_arn, secret_arn):
                session = boto3.Session(region_name="us-east-1")
                reporting = session.client("rds-data")
                reporting.begin_transaction(resourceArn=cluster_arn, secretArn=secret_arn)
                return client.execute_statement(
                    resourceArn=cluster_arn, secretArn=secret_arn, sql="SELECT id, balance FROM accounts"
                )
            """,
            fires=4,
            kind="app",
            lines=(3, 8, 9, 10),
        ),
        Example(
            """
            import boto3

            dsql = boto3.client("dsql", region_name="us-east-1")
            warehouse = boto3.client("redshift-data")
            dynamodb = boto3.client("dynamodb")


            def refresh(cluster):
                warehouse.execute_statement(ClusterIdentifier=cluster, Database="dev", Sql="SELECT 1")
                dynamodb.execute_statement(Statement="SELECT * FROM accounts")
            """,
            fires=0,
            kind="app",
        ),
    ),
    check=check_data_api,
)
