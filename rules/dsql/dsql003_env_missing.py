"""DSQL003: compute that connects to Aurora DSQL cannot find the cluster through its environment.

The backend gets every DSQL setting through its environment (FR-002): a function or container
that may connect, or already has a DSQL value, but lacks a required-env name (or, without
required-env, any variable locating the cluster) fails at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.project.context import WORKLOAD_FIELDS, Project
from scanner.rules.base import Example, rule
from scanner.rules.dsql._common import allow, api_stack, cdk_api, cluster_hint, describe

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config


def check_env_missing(project: Project, config: Config) -> Iterator[Hit]:
    required = config.dsql.required_env
    for workload in project.workloads:
        if not workload.connects:
            continue
        where = workload.compute.env_location or workload.location
        names = {var.sink.name for var in workload.env}
        cluster = cluster_hint(project, workload)
        if required:
            missing = [name for name in required if name not in names]
            if missing:
                yield Hit(
                    where,
                    f"{describe(workload)} connects to Aurora DSQL but its environment lacks "
                    f"{', '.join(missing)} (required-env); pass every DSQL setting through the "
                    f"environment: the endpoint (GetAtt {cluster}.Endpoint), the cluster ARN "
                    f"(GetAtt {cluster}.ResourceArn) and the database name postgres",
                )
        elif not any(var.locating or var.opaque for var in workload.env):
            yield Hit(
                where,
                f"{describe(workload)} connects to Aurora DSQL but no environment variable "
                "carries the cluster's endpoint or identifier, so the code cannot find it; add "
                f"DSQL_ENDPOINT: !GetAtt {cluster}.Endpoint",
            )


RULE = rule(
    id="DSQL003",
    name="dsql-env-missing",
    title="Compute cannot locate the DSQL cluster",
    severity=Severity.ERROR,
    reads=(*WORKLOAD_FIELDS, "clusters"),
    since="0.1.0",
    requirements=("FR-002",),
    rationale="""The backend gets every DSQL setting through its environment (FR-002). A
        function or container that is allowed to connect, or already has a DSQL value,
        but lacks a required-env name (or, without required-env, any variable holding the
        cluster's endpoint or identifier) fails at run time. Values from parameters or
        imports outside the scan are given the benefit of the doubt.""",
    remediation="""Pass the endpoint (GetAtt Cluster.Endpoint), the cluster ARN
        (GetAtt Cluster.ResourceArn) and the database name postgres as environment
        variables, under the names listed in required-env.""",
    examples=(
        Example(
            api_stack(allow("dsql:DbConnect"), env="DSQL_CLUSTER_ARN: !GetAtt Ledger.ResourceArn"),
            fires=1,
            lines=(28,),
        ),
        Example(
            api_stack(
                allow("dsql:DbConnect"),
                env="""
                AURORA_DB_CLUSTER_ARN: !GetAtt Ledger.ResourceArn
                DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
                """,
            ),
            fires=0,
        ),
        Example(
            cdk_api('"DSQL_CLUSTER_ARN": ledger.attr_resource_arn', actions=("dsql:DbConnect",)),
            kind="cdk",
            fires=1,
            lines=(18,),
        ),
        Example(
            cdk_api('"DSQL_ENDPOINT": ledger.attr_endpoint', actions=("dsql:DbConnect",)),
            kind="cdk",
            fires=0,
        ),
    ),
    project_check=check_env_missing,
)
