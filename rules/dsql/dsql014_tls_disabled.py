"""DSQL014: an application's DSQL connection allows an unencrypted connection.

Aurora DSQL accepts only TLS: sslmode disable, allow or prefer either fails or silently depends
on the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CONNECTION_CODE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_tls(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for connection in facts.connections:
        sslmode = connection.sslmode
        if sslmode and sslmode.value.lower() in INSECURE_SSLMODES:
            yield Hit(
                sslmode.location,
                f"sslmode '{sslmode.value}' allows an unencrypted connection; Aurora DSQL "
                "accepts only TLS: use sslmode=verify-full (or require)",
            )


INSECURE_SSLMODES = frozenset({"disable", "allow", "prefer"})


RULE = rule(
    id="DSQL014",
    name="dsql-tls-disabled",
    title="DSQL connection without TLS",
    severity=Severity.ERROR,
    reads=("connections",),
    since="0.1.0",
    requirements=("FR-003",),
    rationale="""Aurora DSQL accepts only TLS connections; sslmode disable, allow or prefer
        either fails or silently depends on the server.""",
    remediation="Use sslmode=verify-full (or require).",
    examples=(
        Example(
            CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app").replace(
                'sslmode="require"', 'sslmode="prefer"'
            ),
            fires=1,
            kind="app",
            lines=(11,),
        ),
        Example(
            CONNECTION_CODE.format(method="generate_db_connect_auth_token", user="app")
            + """

def local_test_database():
    return psycopg.connect("host=localhost dbname=test sslmode=disable")
""",
            fires=0,
            kind="app",
        ),
    ),
    check=check_tls,
)
