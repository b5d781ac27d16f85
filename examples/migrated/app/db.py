"""PostgreSQL connections to Aurora DSQL, authenticated with short-lived IAM tokens."""

import logging
import os

import boto3
import psycopg

logger = logging.getLogger(__name__)

ENDPOINT = os.environ["DSQL_ENDPOINT"]
CLUSTER_ARN = os.environ["DSQL_CLUSTER_ARN"]
DATABASE = os.environ.get("DSQL_DATABASE", "postgres")
REGION = os.environ.get("AWS_REGION", "us-east-1")
ROLE = "ledger_app"

dsql = boto3.client("dsql", region_name=REGION)


def connect() -> psycopg.Connection:
    """A new connection with a fresh token (tokens are valid for 15 minutes)."""
    token = dsql.generate_db_connect_auth_token(Hostname=ENDPOINT, Region=REGION)
    return psycopg.connect(
        host=ENDPOINT, dbname=DATABASE, user=ROLE, password=token, sslmode="require"
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
