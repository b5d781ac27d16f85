"""Every DSQL setting the environment provides, in one typed configuration."""

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DsqlSettings:
    endpoint: str = field(default_factory=lambda: os.environ["DSQL_ENDPOINT"])
    cluster_arn: str = field(default_factory=lambda: os.environ["DSQL_CLUSTER_ARN"])
    database: str = field(default_factory=lambda: os.environ.get("DSQL_DATABASE", "postgres"))
    region: str = field(default_factory=lambda: os.environ.get("AWS_REGION", "us-east-1"))
