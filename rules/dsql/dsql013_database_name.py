"""DSQL013: a database name other than ``postgres`` configured for code that connects to DSQL.

A DSQL cluster has exactly one database, postgres: a name carried over from Aurora (DB_NAME:
ledger) in the environment of compute that connects, or in an application's connection
arguments, makes every connection fail.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scanner.model import Hit, Location, Severity
from scanner.project.context import WORKLOAD_FIELDS, Project
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CLUSTER, CONNECTION_CODE, cdk_api, describe, template

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_database_name(project: Project, config: Config) -> Iterator[Hit]:
    for workload in project.workloads:
        if not workload.connects:
            continue
        for var in workload.env:
            literal = var.sink.literal.strip()
            database = (
                literal if DATABASE_NAME_VARIABLE.search(var.sink.name.upper()) else ""
            ) or _database_in_url(literal)
            if database and database != DSQL_DATABASE and "${" not in database:
                owner = f" of {describe(workload)}"
                yield _database_hit(f"'{var.sink.name}'", database, var.sink.location, owner)
    for facts in project.of_kind("app"):
        for connection in facts.connections:
            database = connection.database
            if database and database.value and database.value != DSQL_DATABASE:
                yield _database_hit("the connection", database.value, database.location, "")


DATABASE_NAME_VARIABLE = re.compile(r"(?:^|_)(?:DB|DATABASE|DBNAME)(?:_?NAME)?$|^PGDATABASE$")
DSQL_DATABASE = "postgres"


def _database_in_url(text: str) -> str:
    """The database of a ``postgresql://...dsql...on.aws/NAME`` URL ("" when none)."""
    if "://" not in text or ".on.aws" not in text:
        return ""
    try:
        return urlsplit(text).path.lstrip("/")
    except ValueError:
        return ""


def _database_hit(name: str, value: str, location: Location, owner: str) -> Hit:
    return Hit(
        location,
        f"database name '{value}' is configured for Aurora DSQL ({name}{owner}); a DSQL "
        f"cluster has exactly one database, {DSQL_DATABASE}: connect to {DSQL_DATABASE} and "
        f"keep the tables apart with a schema (CREATE SCHEMA {value})",
    )


RULE = rule(
    id="DSQL013",
    name="dsql-database-name",
    title="Database name other than postgres",
    severity=Severity.WARNING,
    reads=(*WORKLOAD_FIELDS, "connections"),
    since="0.1.0",
    requirements=("FR-002",),
    rationale="""A DSQL cluster has exactly one database, postgres. A database name carried
        over from Aurora (DB_NAME: ledger) makes every connection fail. Judged on code that
        connects to DSQL: a database-name variable (DB_NAME, DATABASE, DSQL_DATABASE,
        PGDATABASE...) or a DSQL connection URL, and connection arguments in application
        code.""",
    remediation="""Use the database postgres and separate the application's tables with a
        schema (CREATE SCHEMA ledger; SET search_path).""",
    examples=(
        Example(
            template(
                CLUSTER
                + """
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
          DB_NAME: ledger
"""
            ),
            fires=1,
            lines=(13,),
        ),
        Example(
            template(
                CLUSTER
                + """
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
          DSQL_DATABASE: postgres
  Reports:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DB_NAME: reports
"""
            ),
            fires=0,
        ),
        Example(
            cdk_api(
                '"DSQL_ENDPOINT": ledger.attr_endpoint',
                '"DB_NAME": "ledger"',
                actions=("dsql:DbConnect",),
            ),
            kind="cdk",
            fires=1,
            lines=(20,),
        ),
        Example(
            CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app").replace(
                'dbname="postgres"', 'dbname="ledger"'
            ),
            kind="app",
            fires=1,
            lines=(11,),
        ),
    ),
    project_check=check_database_name,
)
