"""DSQL006: the role of compute is granted ``dsql:DbConnectAdmin``.

The admin database role owns everything; an application should connect as a custom database role
authorised by ``dsql:DbConnect`` and an AWS IAM GRANT, unless allow-admin-connect says otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.project.context import WORKLOAD_FIELDS, Project
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import (
    CONNECT,
    CONNECT_ADMIN,
    allow,
    api_stack,
    cdk_api,
    describe,
    role_of,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_admin_connect(project: Project, config: Config) -> Iterator[Hit]:
    if config.dsql.allow_admin_connect:
        return
    for workload in project.workloads:
        for permission in workload.permissions:
            for value in permission.granting(CONNECT_ADMIN):
                if _full_wildcard(value.text):
                    continue  # reported as too broad (DSQL005)
                yield Hit(
                    value.location,
                    f"'{value.text}' grants {CONNECT_ADMIN} to {role_of(workload)} of "
                    f"{describe(workload)}: the application would connect as the all-powerful "
                    "admin role; create a database role (CREATE ROLE app WITH LOGIN; AWS IAM "
                    f"GRANT app TO '<role ARN>'), grant {CONNECT} instead and connect with "
                    "generate_db_connect_auth_token (or set allow-admin-connect)",
                )


def _full_wildcard(pattern: str) -> bool:
    """``*``, ``dsql:*`` or any pattern whose service part is a wildcard."""
    service, _, action = pattern.strip().partition(":")
    return "*" in service or "?" in service or (service.lower() == "dsql" and action == "*")


RULE = rule(
    id="DSQL006",
    name="dsql-admin-connect",
    title="Application connects as the DSQL admin role",
    severity=Severity.WARNING,
    reads=WORKLOAD_FIELDS,
    since="0.1.0",
    requirements=("FR-003",),
    rationale="""dsql:DbConnectAdmin logs in as the admin database role, which owns
        everything. An application should connect as a custom database role with only the
        privileges it needs, authorised by dsql:DbConnect and an AWS IAM GRANT. Set
        allow-admin-connect = true to accept admin connections deliberately.""",
    remediation="""CREATE ROLE app WITH LOGIN; AWS IAM GRANT app TO '<role ARN>'; grant the
        role's privileges; allow dsql:DbConnect instead of dsql:DbConnectAdmin; connect with
        generate_db_connect_auth_token as user app.""",
    examples=(
        Example(api_stack(allow("dsql:DbConnectAdmin")), fires=1, lines=(20,)),
        Example(api_stack(allow("dsql:DbConnect")), fires=0),
        Example(
            cdk_api('"DSQL_ENDPOINT": ledger.attr_endpoint', actions=("dsql:DbConnectAdmin",)),
            kind="cdk",
            fires=1,
            lines=(24,),
        ),
    ),
    project_check=check_admin_connect,
)
