"""DEPLOY002: an RDS engine version AWS has deprecated (cfn-lint W3690/W3691)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.deploy._common import DEPRECATED, READS, SINCE, reported

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_deprecated(facts: FileFacts, config: Config) -> Iterator[Hit]:
    return reported(
        facts,
        "deprecated",
        "; a new stack (or a replacement during the migration) cannot create it",
    )


RULE = rule(
    id=DEPRECATED,
    name="deprecated-engine-version",
    title="RDS engine version is deprecated",
    severity=Severity.WARNING,
    reads=READS,
    requirements=("FR-005",),
    rationale="""An Aurora or RDS engine version that AWS has deprecated cannot be used to
        create a database any more (cfn-lint W3690 for clusters, W3691 for instances): the
        stack deploys today only because the resource already exists, and a fresh
        deployment or a replacement during the migration fails. Reported from cfn-lint's
        engine data, so the review lists it with the rest of FR-005's evidence. Opt-in for
        scan with DEPLOY001, always run by review.""",
    remediation="""Move the migration forward so the RDS resource can be deleted, or pin a
        supported EngineVersion until it is.""",
    examples=(
        Example(
            """
            Resources:
              Legacy:
                Type: AWS::RDS::DBCluster
                Properties:
                  Engine: aurora-mysql
                  EngineVersion: "5.7.12"
                  MasterUsername: admin
                  ManageMasterUserPassword: true
            """,
            fires=1,
            lines=(4,),
        ),
        Example(
            """
            Resources:
              Legacy:
                Type: AWS::RDS::DBCluster
                Properties:
                  Engine: aurora-postgresql
                  EngineVersion: "17.7"
                  MasterUsername: admin
                  ManageMasterUserPassword: true
            """,
            fires=0,
        ),
    ),
    check=check_deprecated,
    opt_in=True,
    since=SINCE,
)
