"""RDS010: application code that authenticates against Aurora RDS: generate_db_auth_token()
signs a token for an RDS endpoint, and a *.rds.amazonaws.com host points at the old cluster. Both
keep the application on Aurora RDS after the infrastructure has moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_auth_token(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for call in facts.api_calls:
        if (call.service, call.method) == AUTH_TOKEN:
            yield Hit(
                call.location,
                "generate_db_auth_token() creates an Aurora RDS IAM token; DSQL tokens come "
                "from the 'dsql' client's generate_db_connect_auth_token()",
            )
    for host in facts.hosts:
        yield Hit(
            host.location,
            f"'{host.host}' is an Aurora RDS endpoint; connect to the DSQL cluster endpoint "
            "(<cluster id>.dsql.<region>.on.aws), read from DSQL_ENDPOINT",
        )


AUTH_TOKEN = ("rds", "generate_db_auth_token")


RULE = rule(
    id="RDS010",
    name="rds-iam-auth-token",
    title="Application authenticates against Aurora RDS",
    severity=Severity.ERROR,
    reads=("api_calls", "hosts"),
    since="0.1.0",
    requirements=("FR-003", "SC-004"),
    rationale="""generate_db_auth_token() signs a token for an Aurora RDS endpoint, and a
        *.rds.amazonaws.com host in connection code points at the old cluster. Both keep the
        application on Aurora RDS after the infrastructure has moved.""",
    remediation="""Read the DSQL endpoint from DSQL_ENDPOINT and authenticate with
        boto3.client("dsql").generate_db_connect_auth_token() (or the admin variant for the
        admin role).""",
    examples=(
        Example(
            """
            import boto3
            import psycopg

            HOST = "ledger.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com"


            def connect():
                token = boto3.client("rds").generate_db_auth_token(DBHostname=HOST, Port=5432, DBUsername="app")
                return psycopg.connect(host=HOST, user="app", password=token, sslmode="require")
            """,
            fires=2,
            kind="app",
            lines=(4, 8),
        ),
        Example(
            """
            \"\"\"Replaces the ledger.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com endpoint.\"\"\"

            import os

            import boto3
            import psycopg


            def connect():
                host = os.environ["DSQL_ENDPOINT"]  # formerly *.rds.amazonaws.com
                token = boto3.client("dsql").generate_db_connect_auth_token(host, "us-east-1")
                return psycopg.connect(host=host, user="admin", password=token, dbname="postgres")
            """,
            fires=0,
            kind="app",
        ),
    ),
    check=check_auth_token,
)
