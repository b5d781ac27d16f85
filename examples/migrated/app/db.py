"""PostgreSQL connections to Aurora DSQL, authenticated with short-lived IAM tokens."""

import logging

import boto3
import psycopg
from settings import DsqlSettings

logger = logging.getLogger(__name__)

SETTINGS = DsqlSettings()
ROLE = "ledger_app"  # a custom database role, mapped to the function's IAM role by AWS IAM GRANT

dsql = boto3.client("dsql", region_name=SETTINGS.region)


def connect() -> psycopg.Connection:
    """A new connection with a fresh token (tokens are valid for 15 minutes)."""
    token = dsql.generate_db_connect_auth_token(Hostname=SETTINGS.endpoint, Region=SETTINGS.region)
    return psycopg.connect(
        host=SETTINGS.endpoint,
        dbname=SETTINGS.database,
        user=ROLE,
        password=token,
        sslmode="verify-full",
    )


def health_check() -> bool:
    """Run a trivial query against the cluster and log the outcome either way."""
    try:
        with connect() as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        logger.exception("DSQL health check failed")
        return False
    logger.info("DSQL health check succeeded")
    return True
