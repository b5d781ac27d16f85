"""DSQL010: cfn-lint rejects a DSQL resource of a template, or a value referring to one.

The IaC must deploy without manual steps. Only cfn-lint's errors on DSQL resources and the values
that refer to them are reported; the rest of the template is cfn-lint's business.
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


def check_template_invalid(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for diagnostic in facts.diagnostics:
        if diagnostic.category == "invalid":
            yield Hit(
                diagnostic.location,
                f"cfn-lint {'/'.join(diagnostic.codes)}: {diagnostic.message}; CloudFormation "
                "rejects or misreads this, so the DSQL stack would not deploy as written",
            )


RULE = rule(
    id="DSQL010",
    name="dsql-template-invalid",
    title="cfn-lint rejects the DSQL resource",
    severity=Severity.ERROR,
    reads=("diagnostics",),
    since="0.1.0",
    requirements=("FR-005",),
    rationale="""The IaC must deploy without manual steps. cfn-lint validates the DSQL
        cluster against CloudFormation's resource schema: unknown properties, wrong types,
        missing required values and GetAtt attributes the cluster does not have (in other
        resources and Outputs too). Only errors on DSQL resources and values referring to
        them are reported; the rest of the template is cfn-lint's business.""",
    remediation="""Fix the property or attribute as cfn-lint says (the cluster's attributes
        are ResourceArn, Identifier, Endpoint, VpcEndpoint, VpcEndpointServiceName...).""",
    examples=(
        Example(
            """
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: "maybe"
                  Engine: aurora-postgresql
            Outputs:
              Endpoint:
                Value: !GetAtt Ledger.ClusterEndpoint
            """,
            fires=3,
            lines=(5, 6, 9),
        ),
        Example(
            template(CLUSTER)
            + """Outputs:
  Endpoint:
    Value: !GetAtt Ledger.Endpoint
  Unrelated:
    Value: !GetAtt Queue.NoSuchAttribute
""",
            fires=0,
        ),
    ),
    check=check_template_invalid,
)
