"""DSQL009: a template's Aurora DSQL cluster cannot be deployed to one of its regions.

``AWS::DSQL::Cluster`` exists only in some regions; cfn-lint's region data (E3006) decides, for
the regions given with --region or the regions setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CLUSTER, template

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


def check_region(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for diagnostic in facts.diagnostics:
        if diagnostic.category == "region":
            regions = ", ".join(diagnostic.regions) or "a configured region"
            name = diagnostic.location.resource
            yield Hit(
                diagnostic.location,
                f"Aurora DSQL cluster '{name}' cannot be deployed to {regions}: "
                "AWS::DSQL::Cluster does not exist there (cfn-lint E3006); deploy the stack to "
                "a region that offers Aurora DSQL, or correct regions/--region",
            )


RULE = rule(
    id="DSQL009",
    name="dsql-region-unsupported",
    title="DSQL cluster deployed to a region without DSQL",
    severity=Severity.ERROR,
    reads=("diagnostics",),
    since="0.1.0",
    requirements=("FR-005", "SC-001"),
    rationale="""AWS::DSQL::Cluster exists only in some regions. A stack deployed to a
        region without it fails at deploy time. Decided by cfn-lint's region data (E3006)
        for the regions given with --region or regions; without regions nothing is
        judged.""",
    remediation="""Deploy the stack to a region that offers Aurora DSQL, or correct the
        regions setting.""",
    examples=(
        Example(
            template(CLUSTER),
            fires=1,
            lines=(3,),
            extra_files=(
                ("pyproject.toml", '[tool.dsql-scan]\nregions = ["us-east-1", "cn-north-1"]\n'),
            ),
        ),
        Example(
            template(CLUSTER),
            fires=0,
            extra_files=(("pyproject.toml", '[tool.dsql-scan]\nregions = ["us-east-1"]\n'),),
        ),
    ),
    check=check_region,
)
