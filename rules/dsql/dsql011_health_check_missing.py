"""DSQL011: the application has no complete health check for its database.

The spec requires a health check that connects with an IAM token, runs a trivial query and logs
both outcomes. A health check is judged with everything it calls (``scanner.project.health``);
only application code of a project that shows an Aurora DSQL or RDS database is judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.project.context import EVIDENCE_FIELDS, Project, database_evidence
from scanner.project.health import health_checks, health_named
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CONNECTION_CODE, beside_infrastructure, first_evidence

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import HealthCheck


def check_health_check(project: Project, config: Config) -> Iterator[Hit]:
    if not project.has_application:
        return
    sign = first_evidence(database_evidence(project, config), "app", "cdk", "cfn", "sql")
    if sign is None:
        return  # an application without any database (a library, a Redis service)
    candidates = list(health_checks(project.of_kind("app")))
    if any(h.complete for h in candidates):
        return
    if not candidates:
        yield Hit(
            sign.location,
            f"no health check in the application code for its database ({sign.what}): add a "
            "function that connects to Aurora DSQL with an IAM token, runs SELECT 1 and logs "
            "both success and failure",
        )
        return
    # the function the application calls its health check, then any health-like name, then
    # the candidate closest to complete
    best = min(
        candidates,
        key=lambda h: (
            "health" not in h.function.lower(),
            not health_named(h.function),
            -h.satisfied,
            h.location,
        ),
    )
    yield Hit(best.location, f"{_health_verdict(best)}; {HEALTH_REQUIREMENT}")


HEALTH_REQUIREMENT = (
    "a health check must connect with an IAM token, run SELECT 1 and log both outcomes"
)


def _health_verdict(check: HealthCheck) -> str:
    """What a health check does and what it misses, in that order: "health_check() at
    app/db.py:29 runs SELECT 1 (in probe() at app/db.py:12) and logs failures but never logs
    success"."""
    does, misses = [], []
    if not check.connects:
        misses.append("never connects to Aurora DSQL")
    if check.query:
        query = " ".join(check.query.split())
        query = query if len(query) <= 60 else query[:57] + "..."
        does.append(f"runs {query}" + (f" (in {check.query_in})" if check.query_in else ""))
        if not check.trivial_query:
            misses.append("never runs a trivial query (SELECT 1)")
    else:
        misses.append("never runs a query")
    for ok, done, missing in (
        (check.logs_failure, "logs failures", "never logs a failure (in an except block)"),
        (check.logs_success, "logs success", "never logs success after the query"),
    ):
        (does if ok else misses).append(done if ok else missing)
    where = f"{check.function}() at {check.location.path}:{check.location.line}"
    return (
        f"{where} {_listing(does)} but {_listing(misses)}"
        if does
        else f"{where} {_listing(misses)}"
    )


def _listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, (", ".join(items[:-1]), items[-1])))


# A health check that reaches DSQL through helpers: it logs only the failure.
HEALTH_THROUGH_HELPERS = """
import logging

import boto3
import psycopg

logger = logging.getLogger(__name__)


def _connect(host: str) -> psycopg.Connection:
    token = boto3.client("dsql").generate_db_connect_auth_token(host, "us-east-1")
    return psycopg.connect(host=host, user="app", password=token, dbname="postgres")


def _probe(host: str):
    with _connect(host) as connection, connection.cursor() as cursor:
        return cursor.execute("SELECT 1").fetchone()


def health_check(host: str) -> bool:
    try:
        _probe(host)
    except psycopg.Error:
        logger.exception("DSQL health check failed")
        return False
    return True
"""
# A health check that never touches the database.
HEALTH_WITHOUT_DATABASE = """
import logging

logger = logging.getLogger(__name__)


def health_check() -> dict:
    logger.info("service is up")
    return {"status": "ok"}
"""


RULE = rule(
    id="DSQL011",
    name="dsql-health-check-missing",
    title="No DSQL health check in the application",
    severity=Severity.WARNING,
    reads=(*EVIDENCE_FIELDS, "functions"),
    since="0.1.0",
    requirements=("FR-004", "SC-002"),
    rationale="""The spec requires a health check that runs a trivial query and logs
        success or failure. A health check is judged with everything it calls: helpers of
        its module (functions, nested functions, methods through self or an instance) and
        functions imported from other modules of the application, up to 12 calls deep. The
        success log must follow the query on the success path; a failure counts as logged
        in an except block (any level, print to stderr), at error level, or by a caller
        around a helper that raises. The finding names the health check (or, without one,
        the function closest to one) and what it misses. Judged only when application code
        (Python that is not CDK) is in scope and the project shows an Aurora DSQL or RDS
        database (a cluster, a connection, a token call, a migration, a DSQL or RDS setting):
        a library or a DynamoDB service has nothing to check. Without any health check the
        finding points at the application's first sign of the database (a connection, a
        token or API call, a setting), else at the infrastructure's.""",
    remediation="""Add a function that connects with an IAM token, runs SELECT 1, logs
        success, and logs the exception in an except block. Where the application has its
        health check elsewhere (another service, a load balancer probe), suppress the
        finding with a reason: in the configuration, `ignore = [{ id = "DSQL011", reason =
        "probed by the ALB health check (OPS-12)" }]`, or in the source at the line the
        finding points at, `# dsql-scan: ignore[DSQL011] probed by the ALB (OPS-12)` (in a
        template, the resource's `Metadata` `dsql-scan: ignore` entry with a reason).""",
    examples=(
        Example(
            """
            import boto3
            import psycopg


            def handler(event, context):
                token = boto3.client("dsql").generate_db_connect_auth_token(event["host"], "us-east-1")
                with psycopg.connect(host=event["host"], user="app", password=token) as connection:
                    return connection.execute("SELECT id FROM accounts").fetchall()
            """,
            fires=1,
            kind="app",
            lines=(5,),
        ),
        Example(
            CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app")
            + """

import logging

logger = logging.getLogger(__name__)


def health_check() -> bool:
    try:
        with connect() as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        logger.exception("DSQL health check failed")
        return False
    logger.info("DSQL health check succeeded")
    return True
""",
            fires=0,
            kind="app",
        ),
        Example(HEALTH_THROUGH_HELPERS, fires=1, kind="app", lines=(19,)),
        Example(
            HEALTH_THROUGH_HELPERS.replace(
                "        return False\n",
                '        return False\n    logger.info("DSQL health check succeeded")\n',
            ),
            fires=0,
            kind="app",
        ),
        Example(
            HEALTH_THROUGH_HELPERS.replace("SELECT 1", "SELECT count(*) FROM accounts"),
            fires=1,
            kind="app",
            lines=(19,),
        ),
        Example(
            HEALTH_WITHOUT_DATABASE,
            fires=1,
            kind="app",
            lines=(6,),
            extra_files=(
                (
                    "db.py",
                    CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app"),
                ),
            ),
        ),
        # the infrastructure shows the database
        *beside_infrastructure("service/health.py", HEALTH_WITHOUT_DATABASE, 6),
    ),
    project_check=check_health_check,
)
