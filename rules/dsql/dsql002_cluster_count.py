"""DSQL002: more Aurora DSQL cluster sets are declared than the project expects.

The migrated system keeps its relational data in one cluster; a second one is usually a copy left
from an experiment or a stack deployed twice. Linked multi-Region peers, and a CDK cluster with
its synthesized template resource, count once (``Project.cluster_sets``). Each Terraform root
module deploys on its own (``Project.units``): two environments' roots with a cluster each are
one cluster each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import CLUSTER, template

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.project.context import Project


def check_cluster_count(project: Project, config: Config) -> Iterator[Hit]:
    expected = config.dsql.expected_clusters
    for unit, sets in project.units:  # in order: the first ones are kept
        if len(sets) <= expected:
            continue
        names = ", ".join(
            "+".join(f"{c.name} ({c.location.path})" for _, c in group) for group in sets
        )
        where = f" in Terraform root module {unit}" if unit and len(project.units) > 1 else ""
        for group in sets[expected:]:
            first = min((c for _, c in group), key=lambda c: c.location)
            yield Hit(
                first.location,
                f"{len(sets)} Aurora DSQL clusters are declared{where} ({names}) but the project "
                f"expects {expected} (expected-clusters): keep the data in one cluster "
                "(multi-Region peers link through MultiRegionProperties), delete this one or "
                "raise expected-clusters",
            )


# A cluster one construct below its stack, and its cdk.out synthesized without path metadata
# (--path-metadata false): CDK's logical id of Data/Store/Ledger is StoreLedger522D78CA.
NESTED_CLUSTER_APP = """
import aws_cdk as cdk
from aws_cdk import aws_dsql as dsql
from constructs import Construct


class LedgerStore(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        LedgerStore(self, "Store")


app = cdk.App()
DataStack(app, "Data")
app.synth()
"""


def synthesized(logical_id: str) -> str:
    """A synthesized template without aws:cdk:path: only the logical id links it to source."""
    return f"""{{
  "Resources": {{
    "{logical_id}": {{
      "Type": "AWS::DSQL::Cluster",
      "Properties": {{"DeletionProtectionEnabled": true}}
    }}
  }}
}}
"""


RULE = rule(
    id="DSQL002",
    name="dsql-cluster-count",
    title="More Aurora DSQL clusters than expected",
    severity=Severity.ERROR,
    reads=("clusters",),
    since="0.1.0",
    requirements=("FR-001", "SC-001"),
    rationale="""The migrated system keeps its relational data in one cluster
        (expected-clusters, default 1). A second cluster is usually a copy left from an
        experiment or a stack deployed twice. Multi-Region peers are one linked cluster set
        when they are linked: MultiRegionProperties.Clusters naming a cluster in scope, or
        stacks declaring the same WitnessRegion. A cluster in CDK source and its synthesized
        template count once, also when the template carries no aws:cdk:path (synthesized
        with --path-metadata false): the cloud assembly's manifest.json or tree.json, else
        CDK's logical-id algorithm (the id's hash checked, never the name alone), links
        them. Each Terraform root module (with the local modules it calls) is counted on its
        own: an environment per root module, each with its cluster, is one cluster each.""",
    remediation="""Delete the extra cluster, link peers through MultiRegionProperties, or
        raise expected-clusters in [tool.dsql-scan.dsql] if several are intended.""",
    examples=(
        Example(
            template(
                CLUSTER
                + """
  Reports:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
"""
            ),
            fires=1,
            lines=(8,),
        ),
        Example(
            """
            Resources:
              LedgerUsEast1:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: true
                  MultiRegionProperties:
                    WitnessRegion: us-west-2
            """,
            fires=0,
            extra_files=(
                (
                    "peer-us-east-2.yaml",
                    template("""
  LedgerUsEast2:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
      MultiRegionProperties:
        WitnessRegion: us-west-2
        Clusters:
          - arn:aws:dsql:us-east-1:111122223333:cluster/abcdefghijklmnopqrstuvwxyz
"""),
                ),
            ),
        ),
        Example(
            NESTED_CLUSTER_APP,
            kind="cdk",
            fires=0,
            extra_files=(("cdk.out/Data.template.json", synthesized("StoreLedger522D78CA")),),
        ),
        Example(
            NESTED_CLUSTER_APP,
            kind="cdk",
            fires=1,
            lines=(4,),  # the template's cluster: its id's hash is no path of the source
            extra_files=(("cdk.out/Data.template.json", synthesized("StoreLedger0BADCAFE")),),
        ),
    ),
    project_check=check_cluster_count,
)
