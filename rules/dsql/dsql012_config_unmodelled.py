"""DSQL012: DSQL settings the application does not model in one typed configuration.

Every DSQL setting should arrive through one configuration type (FR-002): a database
configuration type without the endpoint or the database name, or a required-env name read ad hoc
from the environment, drifts from the infrastructure. Judged only in a project with a database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.facts import DATABASE_FIELD_TOKENS, field_tokens
from scanner.model import Hit, Severity
from scanner.project.context import EVIDENCE_FIELDS, Project, database_evidence
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import beside_infrastructure

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_config_unmodelled(project: Project, config: Config) -> Iterator[Hit]:
    hits = list(_unmodelled(project, config))
    if hits and database_evidence(project, config):  # else not ours: no DSQL or RDS at all
        yield from hits


def _unmodelled(project: Project, config: Config) -> Iterator[Hit]:
    types = [t for f in project.of_kind("app") for t in f.config_types]
    for config_type in types:
        tokens = [field_tokens(field) for field in config_type.fields]
        if not any(t & DATABASE_FIELD_TOKENS for t in tokens):
            continue  # not a database configuration
        lacks = []
        if not any(t & ENDPOINT_TOKENS for t in tokens):
            lacks.append("the DSQL endpoint or identifier")
        if not any(t & DATABASE_TOKENS or {"db", "name"} <= t for t in tokens):
            lacks.append("the database name")
        if lacks:
            yield Hit(
                config_type.location,
                f"configuration type '{config_type.name}' models database settings but lacks "
                f"{' and '.join(lacks)}; declare every DSQL setting the environment provides",
            )
    declared = {name.upper() for t in types for name in (*t.env_names, *t.fields)}
    for facts in project.of_kind("app"):
        for read in facts.env_reads:
            if read.name in config.dsql.required_env and read.name.upper() not in declared:
                yield Hit(
                    read.location,
                    f"'{read.name}' is read from the environment directly but no configuration "
                    "type declares it; model the DSQL settings in one typed configuration",
                )


ENDPOINT_TOKENS = frozenset({"endpoint", "host", "hostname", "identifier", "cluster"})
DATABASE_TOKENS = frozenset({"database", "dbname"})


# A database configuration type that lacks the endpoint and the database name.
SETTINGS_WITHOUT_ENDPOINT = """
from dataclasses import dataclass


@dataclass(frozen=True)
class DatabaseSettings:
    db_user: str
    db_password: str
"""


RULE = rule(
    id="DSQL012",
    name="dsql-config-unmodelled",
    title="DSQL settings not modelled in a configuration type",
    severity=Severity.WARNING,
    reads=(*EVIDENCE_FIELDS, "config_types"),
    since="0.1.0",
    requirements=("FR-002",),
    rationale="""Every DSQL setting should arrive through one typed configuration (FR-002):
        a database configuration type without the endpoint or database name, or a
        required-env name read ad hoc from os.environ, drifts from the infrastructure.
        Judged only in a project that shows an Aurora DSQL or RDS database.""",
    remediation="""Declare the DSQL endpoint, cluster ARN and database name in the
        configuration type and read the environment there.""",
    examples=(
        Example(
            """
            import os
            from dataclasses import dataclass


            @dataclass(frozen=True)
            class DatabaseSettings:
                db_user: str
                db_password: str


            SETTINGS = DatabaseSettings(os.environ["RDS_DB_USER"], os.environ["RDS_DB_PASSWORD"])
            """,
            fires=1,
            kind="app",
            lines=(6,),
        ),
        Example(
            """
            from dataclasses import dataclass


            @dataclass(frozen=True)
            class DatabaseSettings:  # a project without DSQL or RDS: not judged
                db_user: str
                db_password: str
            """,
            fires=0,
            kind="app",
        ),
        Example(
            """
            import os

            ENDPOINT = os.environ["DSQL_ENDPOINT"]
            """,
            fires=1,
            kind="app",
            lines=(3,),
            extra_files=(
                ("pyproject.toml", '[tool.dsql-scan.dsql]\nrequired-env = ["DSQL_ENDPOINT"]\n'),
            ),
        ),
        Example(
            """
            import os
            from dataclasses import dataclass, field


            @dataclass(frozen=True)
            class DsqlSettings:
                endpoint: str = field(default_factory=lambda: os.environ["DSQL_ENDPOINT"])
                cluster_arn: str = field(default_factory=lambda: os.environ["DSQL_CLUSTER_ARN"])
                database: str = field(default_factory=lambda: os.environ["DSQL_DATABASE"])
            """,
            fires=0,
            kind="app",
            extra_files=(
                ("pyproject.toml", '[tool.dsql-scan.dsql]\nrequired-env = ["DSQL_ENDPOINT"]\n'),
            ),
        ),
        # the infrastructure shows the database
        *beside_infrastructure("service/settings.py", SETTINGS_WITHOUT_ENDPOINT, 5),
    ),
    project_check=check_config_unmodelled,
)
