"""Direct PostgreSQL connections for the reporting jobs (legacy: RDS IAM authentication).

Mentions in docstrings are never findings: orbit-aurora.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com,
"aurora-postgresql", generate_db_auth_token().
"""

import os

import boto3
import psycopg

HOST = os.getenv("RDS_HOSTNAME", "orbit-aurora.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com")
DATABASE = {"engine": "aurora-postgresql", "port": 5432, "name": "ledger"}


class Reporting:
    def __init__(self) -> None:
        self.rds = boto3.Session().client("rds")

    def connect(self) -> psycopg.Connection:
        # generate_db_auth_token signs an RDS token (this comment is not a finding)
        token = self.rds.generate_db_auth_token(
            DBHostname=HOST, Port=DATABASE["port"], DBUsername="reporting"
        )
        return psycopg.connect(
            host=HOST, dbname=DATABASE["name"], user="reporting", password=token, sslmode="require"
        )
