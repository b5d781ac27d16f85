"""SQL000: a diagnostic of a dsql-lint rule newer than the catalogue, reported, never dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit
from scanner.rules.base import Example, rule
from scanner.rules.sql._common import (
    BOTH,
    CATCH_ALL,
    READS,
    SINCE,
    TYPESCRIPT_FILE,
    W,
    application_code,
    message,
    typescript_code,
)
from scanner.rules.sql.catalogue import LINT_RULES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts

KNOWN = frozenset(r.name for r in LINT_RULES)
CLEAN = """
CREATE TABLE accounts (id BIGINT PRIMARY KEY);
"""


def check_unknown(facts: FileFacts, config: Config) -> Iterator[Hit]:
    """Diagnostics of dsql-lint rules newer than this catalogue: reported, never dropped."""
    for diagnostic in facts.sql_diagnostics:
        if diagnostic.rule not in KNOWN:
            yield Hit(
                diagnostic.location, f"dsql-lint rule {diagnostic.rule}: {message(diagnostic)}"
            )


RULE = rule(
    id=CATCH_ALL,
    name="dsql-lint",
    title="dsql-lint rule without a dsql-scan id yet",
    severity=W,
    reads=READS,
    since=SINCE,
    requirements=BOTH,
    rationale="""dsql-lint learns new incompatibilities faster than this catalogue is released;
        a diagnostic of a rule dsql-scan does not know yet is still an incompatibility and is
        reported under this id, with dsql-lint's rule name in the message.""",
    remediation="""Follow dsql-lint's suggestion in the message; upgrade dsql-scan to get the
        rule's own id and documentation.""",
    examples=(
        Example(CLEAN, fires=0, kind="sql"),
        Example(application_code(CLEAN.lstrip("\n")), fires=0, kind="app"),
        Example(typescript_code(CLEAN.lstrip("\n")), fires=0, kind="app", filename=TYPESCRIPT_FILE),
    ),
    check=check_unknown,
)
