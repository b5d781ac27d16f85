"""Where a Terraform configuration deploys, and whether Aurora DSQL exists there.

A template's regions come from ``--region`` (or the ``regions`` setting); a Terraform
configuration also says where it deploys: the ``region`` of its ``provider "aws"`` blocks
(an aliased provider for the resources that name it). cfn-lint's region data (the same that
decides E3006 for templates) says whether ``AWS::DSQL::Cluster`` exists in each.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.facts import DSQL_CLUSTER, DsqlCluster, TemplateDiagnostic
from scanner.inputs.terraform import hcl
from scanner.inputs.terraform.scope import Scope
from scanner.inputs.terraform.values import Evaluator

REGION_CODE = "E3006"
DEFAULT = ""  # the provider without an alias


def provider_regions(scope: Scope) -> dict[str, str]:
    """Provider alias ("" for the default one) -> its literal or resolvable region."""
    values = Evaluator(scope, scope, {})
    found: dict[str, str] = {}
    for _, block in scope.blocks("provider"):
        if block.labels[:1] != ("aws",):
            continue
        alias = block.body.get("alias")
        name = values.value(alias.value) if alias else DEFAULT
        region = block.body.get("region")
        value = values.value(region.value) if region else None
        if isinstance(name, str) and type(value).__name__ == "MStr":
            found.setdefault(str(name), str(value))
    return found


def provider_of(block: hcl.Block) -> str:
    """The provider alias a resource block names (``provider = aws.west``), "" for default."""
    provider = block.body.get("provider")
    if provider is not None and isinstance(provider.value, hcl.Reference):
        parts = provider.value.parts
        if len(parts) == 2 and parts[0] == "aws":
            return str(parts[1])
    return DEFAULT


def missing_regions(regions: Iterable[str]) -> tuple[str, ...]:
    """The regions (known to cfn-lint) in which AWS::DSQL::Cluster does not exist."""
    from cfnlint.helpers import REGIONS
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    from cfnlint.schema.manager import ResourceNotFoundError

    missing = []
    for region in sorted(set(regions)):
        if region not in REGIONS:
            continue
        try:
            PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, DSQL_CLUSTER)
        except ResourceNotFoundError:
            missing.append(region)
    return tuple(missing)


def diagnostics(
    clusters: Iterable[DsqlCluster],
    blocks: dict[str, hcl.Block],
    scope: Scope,
    configured: tuple[str, ...],
) -> tuple[TemplateDiagnostic, ...]:
    """A "region" diagnostic for each cluster whose regions lack Aurora DSQL: the configured
    regions (``--region``) when given, else its provider's region."""
    providers = provider_regions(scope) if not configured else {}
    found = []
    for cluster in clusters:
        block = blocks.get(cluster.name)
        if configured:
            regions: tuple[str, ...] = configured
        else:
            region = providers.get(provider_of(block) if block else DEFAULT, "")
            regions = (region,) if region else ()
        missing = missing_regions(regions)
        if missing:
            found.append(
                TemplateDiagnostic(
                    "region",
                    (REGION_CODE,),
                    f"Resource type 'AWS::DSQL::Cluster' does not exist in {', '.join(missing)}",
                    cluster.location,
                    missing,
                )
            )
    return tuple(found)
