"""Where a module's Aurora DSQL clusters are deployed, and whether Aurora DSQL exists there.

A CloudFormation template does not say which region it is deployed to: cfn-lint judges it for
the regions given with --region (the ``regions`` setting). A Terraform configuration does say:
a cluster is created in the region of the ``provider "aws"`` configuration it uses (its
``provider = aws.<alias>``, else the default one), or, since version 6 of the AWS provider, in
its own ``region`` argument. That region, when the configuration writes it (a literal, or a
variable's default or tfvars value), is where the cluster goes; where it does not (a child
module inherits its caller's provider), the configured regions are judged, as for templates.
Whether ``AWS::DSQL::Cluster`` exists in a region is cfn-lint's region data, which decides
E3006 for templates; a region cfn-lint does not know is not judged.
"""

from __future__ import annotations

from functools import cache

from scanner.facts import DsqlCluster, TemplateDiagnostic
from scanner.inputs.terraform import hcl
from scanner.inputs.terraform.scope import Scope, block_address
from scanner.inputs.terraform.values import Evaluator
from scanner.run.budget import untimed

DSQL_CLUSTER = "AWS::DSQL::Cluster"
REGION_CODE = "E3006"  # cfn-lint's "resource type not available in the region"


def diagnostics(
    scope: Scope, clusters: tuple[DsqlCluster, ...], configured: tuple[str, ...]
) -> tuple[TemplateDiagnostic, ...]:
    """A "region" diagnostic (DSQL009) for each cluster of ``clusters`` (declared in
    ``scope``) whose regions do not offer Aurora DSQL."""
    if not clusters:
        return ()
    values = Evaluator(scope, scope, {})
    providers = _provider_regions(scope, values)
    blocks = {block_address(b): b for _, b in scope.blocks("resource")}
    found = []
    for cluster in clusters:
        block = blocks.get(cluster.name)
        own = _cluster_region(block, providers, values) if block is not None else ""
        regions = (own,) if own else configured
        missing = tuple(sorted(r for r in set(regions) if not offers_dsql(r)))
        if missing:
            where = ", ".join(f"'{r}'" for r in missing)
            found.append(
                TemplateDiagnostic(
                    category="region",
                    codes=(REGION_CODE,),
                    message=f"Resource type '{DSQL_CLUSTER}' does not exist in {where}",
                    location=cluster.location,
                    regions=missing,
                )
            )
    return tuple(found)


def _text(values: Evaluator, expr: hcl.Expr | None) -> str:
    """The string an expression is, when the configuration writes it ("" when computed)."""
    value = values.value(expr) if expr is not None else None
    return str(value) if isinstance(value, str) else ""


def _provider_regions(scope: Scope, values: Evaluator) -> dict[str, str]:
    """The region of each ``provider "aws"`` configuration, by alias ("" for the default)."""
    found: dict[str, str] = {}
    for _, block in scope.blocks("provider"):
        if block.labels[:1] != ("aws",):
            continue
        alias = _text(values, getattr(block.body.get("alias"), "value", None))
        region = _text(values, getattr(block.body.get("region"), "value", None))
        found.setdefault(alias, region)
    return found


def _cluster_region(block: hcl.Block, providers: dict[str, str], values: Evaluator) -> str:
    """The region a cluster is created in, when the configuration says ("" when not)."""
    own = block.body.get("region")
    if own is not None:
        return _text(values, own.value)
    provider = block.body.get("provider")
    alias = ""
    if provider is not None and isinstance(provider.value, hcl.Reference):
        parts = provider.value.parts
        alias = str(parts[1]) if len(parts) == 2 and parts[0] == "aws" else "?"
    return providers.get(alias, "")


@cache
def offers_dsql(region: str) -> bool:
    """Whether ``AWS::DSQL::Cluster`` exists in ``region`` by cfn-lint's region data (True
    for a region cfn-lint does not know: that is not judged here)."""
    with untimed():  # cfn-lint's schemas load once per process, as for templates
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

        try:
            PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, DSQL_CLUSTER)
        except ResourceNotFoundError:
            return False
        except KeyError:  # a region cfn-lint has no data for
            return True
    return True
