"""DSQL007: an Aurora DSQL cluster without deletion protection, or without saying so.

After the migration the cluster holds the only copy of the data: deletion protection keeps a
stack update or teardown from deleting it, and declaring it makes the protection reviewable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CLUSTER, cdk_api, template

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_deletion_protection(facts: FileFacts, config: Config) -> Iterator[Hit]:
    if not config.dsql.require_deletion_protection:
        return
    for cluster in facts.clusters:
        if cluster.deletion_protection == "disabled" and cluster.protection_location:
            yield Hit(
                cluster.protection_location,
                f"Aurora DSQL cluster '{cluster.name}' has deletion protection turned off; set "
                "DeletionProtectionEnabled: true so the only copy of the data cannot be "
                "deleted by a stack update",
            )
        elif cluster.deletion_protection == "unknown" and cluster.protection_location:
            yield Hit(
                cluster.protection_location,
                f"Aurora DSQL cluster '{cluster.name}' has a deletion protection that depends on "
                "a value dsql-scan could not resolve statically; whether the only copy of the "
                "data is protected is for the reviewer to confirm",
                undecided=True,
            )
        elif cluster.deletion_protection == "absent":
            yield Hit(
                cluster.location,
                f"Aurora DSQL cluster '{cluster.name}' does not set DeletionProtectionEnabled; "
                "set it to true explicitly so the protection is visible and reviewed",
            )


RULE = rule(
    id="DSQL007",
    name="dsql-deletion-protection",
    title="DSQL cluster without deletion protection",
    severity=Severity.WARNING,
    reads=("clusters",),
    since="0.1.0",
    requirements=("FR-001", "FR-005"),
    rationale="""After the migration the DSQL cluster holds the only copy of the data.
        Deletion protection stops a stack update or teardown from deleting it by accident;
        declaring it explicitly makes the protection visible in review. Turned off with
        require-deletion-protection = false (e.g. for ephemeral test stacks).""",
    remediation="Set DeletionProtectionEnabled: true (CDK: deletion_protection_enabled=True).",
    examples=(
        Example(
            """
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: false
              Scratch:
                Type: AWS::DSQL::Cluster
            """,
            fires=2,
            lines=(5, 7),
        ),
        Example(template(CLUSTER), fires=0),
        Example(
            cdk_api(cluster="deletion_protection_enabled=False"), kind="cdk", fires=1, lines=(11,)
        ),
        Example(cdk_api(), kind="cdk", fires=0),
    ),
    check=check_deletion_protection,
)
