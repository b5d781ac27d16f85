"""DSQL015: the application connects with a token its compute roles are not granted.

An admin token needs ``dsql:DbConnectAdmin``, a custom-role token ``dsql:DbConnect``: the wrong
pairing is refused at connection time. Judged only when the roles of every compute resource that
connects are fully in scope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Location, Severity
from scanner.project.context import WORKLOAD_FIELDS, Project
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import (
    CONNECT,
    CONNECT_ADMIN,
    CONNECTION_CODE,
    allow,
    api_stack,
    beside_infrastructure,
    cdk_api,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_auth_role(project: Project, config: Config) -> Iterator[Hit]:
    workloads = [w for w in project.workloads if w.connects]
    if not workloads or not all(w.permissions_known for w in workloads):
        return  # what the roles may do is not (fully) in scope
    admin = any(w.allowed(CONNECT_ADMIN) for w in workloads)
    custom = any(w.allowed(CONNECT) for w in workloads)
    for facts in project.of_kind("app"):
        uses: list[tuple[bool, Location, str]] = [
            (call.admin, call.location, f"{call.method}()") for call in facts.token_calls
        ]
        uses += [
            (c.user.value == "admin", c.location, f"{c.driver}(user='{c.user.value}')")
            for c in facts.connections
            if c.user is not None and c.user.value and c.password == ""
        ]
        for is_admin, location, what in uses:
            if is_admin and not admin:
                yield Hit(
                    location,
                    f"{what} connects as the admin role but no compute role is granted "
                    f"{CONNECT_ADMIN}: the connection will be refused; connect as a custom "
                    f"database role (generate_db_connect_auth_token, {CONNECT}, AWS IAM GRANT)",
                )
            elif not is_admin and not custom and admin:
                yield Hit(
                    location,
                    f"{what} connects as a custom database role but the compute roles hold only "
                    f"{CONNECT_ADMIN}: the connection will be refused; grant {CONNECT} on the "
                    "cluster ARN and map the role with AWS IAM GRANT",
                )


# Application code that connects as the admin role, and where examples of the other kinds put it.
ADMIN_CONNECTION = CONNECTION_CODE.format(
    method="generate_db_connect_admin_auth_token", user="admin"
)
SERVICE = "service/db.py"


RULE = rule(
    id="DSQL015",
    name="dsql-auth-role-mismatch",
    title="Token kind does not match the granted permission",
    severity=Severity.ERROR,
    reads=(*WORKLOAD_FIELDS, "token_calls", "connections"),
    since="0.1.0",
    requirements=("FR-003",),
    rationale="""An admin token needs dsql:DbConnectAdmin, a custom-role token needs
        dsql:DbConnect; the wrong pairing is refused at connection time. Judged only when
        the roles of every compute resource that connects are fully in scope.""",
    remediation="""Connect as a custom role with generate_db_connect_auth_token and grant
        dsql:DbConnect, or grant DbConnectAdmin for admin connections.""",
    examples=(
        Example(
            ADMIN_CONNECTION,
            fires=1,
            kind="app",
            lines=(9,),
            extra_files=(
                (
                    "stack.yaml",
                    api_stack(
                        allow("dsql:DbConnect"), env="DSQL_ENDPOINT: !GetAtt Ledger.Endpoint"
                    ),
                ),
            ),
        ),
        Example(
            CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="ledger_app"),
            fires=0,
            kind="app",
            extra_files=(
                (
                    "stack.yaml",
                    api_stack(
                        allow("dsql:DbConnect"), env="DSQL_ENDPOINT: !GetAtt Ledger.Endpoint"
                    ),
                ),
            ),
        ),
        # the admin token in service/db.py, which the role may not use
        *beside_infrastructure(
            SERVICE,
            ADMIN_CONNECTION,
            9,
            api_stack(allow("dsql:DbConnect"), env="DSQL_ENDPOINT: !GetAtt Ledger.Endpoint"),
            cdk_api('"DSQL_ENDPOINT": ledger.attr_endpoint', actions=("dsql:DbConnect",)),
        ),
    ),
    project_check=check_auth_role,
)
