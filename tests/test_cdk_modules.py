"""A Python CDK app split over modules, scanned by the installed ``dsql-scan``.

The network stack creates the VPC, the data stack the database and its secret, a props
dataclass carries the data stack to the API stack, and the API stack wires and grants what it
receives. Residue is reported where the API stack uses it, naming where it comes from; DSQL
values under Aurora-era names are not residue; a one-file (pre-commit) run of a module finds
what the whole scan finds there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from string import Template

import pytest

from tests.conftest import RESIDUE, cdk_unavailable, run_cli, write
from tests.gitrepo import commit_all, init
from tests.limits import run_limited

APP = """\
import aws_cdk as cdk

from stacks.api_stack import ApiStack
from stacks.data_stack import DataStack
from stacks.network_stack import NetworkStack
from stacks.props import ApiProps

app = cdk.App()
network = NetworkStack(app, "Network")
data = DataStack(app, "Data", vpc=network.vpc)
ApiStack(app, "Api", ApiProps(data=data, stage="prod"))
app.synth()
"""

NETWORK = """\
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2


class NetworkStack(Stack):
    def __init__(self, scope, construct_id, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.vpc = ec2.Vpc(self, "Vpc", max_azs=2)
"""

PROPS = """\
from dataclasses import dataclass

from stacks.data_stack import DataStack


@dataclass(frozen=True)
class ApiProps:
    data: DataStack
    stage: str
"""

FACTORIES = """\
from aws_cdk import aws_rds as rds


def reporting_cluster(scope, vpc):
    return rds.DatabaseCluster(
        scope,
        "Reporting",
        engine=rds.DatabaseClusterEngine.aurora_postgres(
            version=rds.AuroraPostgresEngineVersion.VER_15_4
        ),
        writer=rds.ClusterInstance.serverless_v2("writer"),
        vpc=vpc,
    )
"""

LEGACY_DATA = """\
from aws_cdk import Stack
from aws_cdk import aws_rds as rds

from stacks.factories import reporting_cluster


class DataStack(Stack):
    def __init__(self, scope, construct_id, *, vpc, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cluster = rds.DatabaseCluster(
            self,
            "Orders",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
            version=rds.AuroraPostgresEngineVersion.VER_15_4
        ),
            credentials=rds.Credentials.from_generated_secret("orders_admin"),
            writer=rds.ClusterInstance.serverless_v2("writer"),
            vpc=vpc,
            enable_data_api=True,
        )
        self.db_credentials = self.cluster.secret
        self.reporting = reporting_cluster(self, vpc)
"""

# The API stack: what it imports, then its function's environment, then what it grants.
API = Template("""\
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
$imports
from stacks.props import ApiProps


class ApiStack(Stack):
    def __init__(self, scope, construct_id, props: ApiProps, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        $source
        handler = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=lambda_.Code.from_inline("def handler(event, context): pass"),
            environment={
$environment                "STAGE": props.stage,
            },
        )
$grants""")

LEGACY_API = API.substitute(
    imports="from aws_cdk import aws_ec2 as ec2",
    source="self.database = props.data.cluster",
    environment=(
        '                "DB_HOST": self.database.cluster_endpoint.hostname,\n'
        '                "DB_SECRET_ARN": props.data.db_credentials.secret_arn,\n'
        '                "REPORTING_ENDPOINT": props.data.reporting.cluster_endpoint.hostname,\n'
    ),
    grants=(
        "        self.database.grant_data_api_access(handler)\n"
        '        self.database.connections.allow_default_port_from(ec2.Peer.ipv4("10.0.0.0/16"))\n'
    ),
)

# Half-migrated: the DSQL cluster is there and wired, the Aurora reporting cluster is not gone.
HALF_DATA = """\
from aws_cdk import Stack
from aws_cdk import aws_dsql as dsql

from stacks.factories import reporting_cluster


class DataStack(Stack):
    def __init__(self, scope, construct_id, *, vpc, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cluster = dsql.CfnCluster(self, "Orders", deletion_protection_enabled=True)
        self.reporting = reporting_cluster(self, vpc)
"""

MIGRATED_DATA = """\
from aws_cdk import Stack
from aws_cdk import aws_dsql as dsql


class DataStack(Stack):
    def __init__(self, scope, construct_id, *, vpc, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.cluster = dsql.CfnCluster(self, "Orders", deletion_protection_enabled=True)
"""

MIGRATED_API = API.substitute(
    imports="from aws_cdk import aws_iam as iam",
    source="cluster = props.data.cluster",
    environment=(
        '                "AURORA_DB_ENDPOINT": cluster.attr_endpoint,\n'
        '                "AURORA_DB_CLUSTER_ARN": cluster.attr_resource_arn,\n'
    ),
    grants=(
        "        handler.add_to_role_policy(\n"
        '            iam.PolicyStatement(actions=["dsql:DbConnect"], '
        "resources=[cluster.attr_resource_arn])\n"
        "        )\n"
    ),
)

HALF_API = MIGRATED_API.replace(
    '                "STAGE": props.stage,\n',
    '                "REPORTING_HOST": props.data.reporting.cluster_endpoint.hostname,\n'
    '                "STAGE": props.stage,\n',
)


def app(root: Path, data: str, api: str) -> Path:
    files = {
        "cdk.json": '{"app": "python3 app.py"}\n',
        "app.py": APP,
        "stacks/__init__.py": "",
        "stacks/network_stack.py": NETWORK,
        "stacks/props.py": PROPS,
        "stacks/data_stack.py": data,
        "stacks/api_stack.py": api,
    }
    if "reporting_cluster" in data:  # the factory goes with its last use
        files["stacks/factories.py"] = FACTORIES
    return write(root, files)


def findings(*args: str, cwd: Path) -> list[tuple[str, str, int, str]]:
    result = run_cli(*args, "--format", "json", cwd=cwd)
    assert result.code in (0, 1), result.stderr
    return sorted(
        (f["rule"], f["path"], f["line"], f["message"]) for f in result.json()["findings"]
    )


def in_api(found: list[tuple[str, str, int, str]]) -> list[tuple[str, int]]:
    return [(rule, line) for rule, path, line, _ in found if path == "stacks/api_stack.py"]


def test_legacy_residue_is_reported_where_another_module_uses_it(tmp_path):
    root = app(tmp_path, LEGACY_DATA, LEGACY_API)
    found = findings(*RESIDUE, ".", cwd=root)
    assert in_api(found) == [
        ("RDS006", 24),
        ("RDS007", 25),
        ("RDS008", 18),
        ("RDS008", 19),
        ("RDS008", 20),
    ]
    messages = {line: message for _, path, line, message in found if path.endswith("api_stack.py")}
    assert "carries Orders.cluster_endpoint.hostname of an Aurora RDS resource" in messages[18]
    assert "(via DataStack.cluster in stacks/data_stack.py)" in messages[18]
    assert "Orders.secret.secret_arn of an Aurora RDS secret" in messages[19]
    assert "(via reporting_cluster() in stacks/factories.py)" in messages[20]
    assert "on Orders (via DataStack.cluster in stacks/data_stack.py)" in messages[24]


def test_half_migrated_reports_only_what_is_left(tmp_path):
    root = app(tmp_path, HALF_DATA, HALF_API)
    found = findings(*RESIDUE, ".", cwd=root)
    assert in_api(found) == [("RDS008", 20)]
    (message,) = [m for _, path, _, m in found if path == "stacks/api_stack.py"]
    assert "'REPORTING_HOST' carries Reporting.cluster_endpoint.hostname" in message
    assert "(via reporting_cluster() in stacks/factories.py)" in message


def test_migrated_dsql_values_under_aurora_names_are_not_residue(tmp_path):
    root = app(tmp_path, MIGRATED_DATA, MIGRATED_API)
    assert findings(*RESIDUE, ".", cwd=root) == []
    # the DSQL rules see the cluster's endpoint and ARN the API stack receives (DSQL011 asks
    # for application code, which this infrastructure-only app does not have)
    assert findings("--ignore", "DSQL011", ".", cwd=root) == []
    without_policy = MIGRATED_API.replace("handler.add_to_role_policy(", "print(")
    app(tmp_path, MIGRATED_DATA, without_policy)
    found = findings("--ignore", "DSQL011", ".", cwd=root)
    assert [(rule, path, line) for rule, path, line, _ in found] == [
        ("DSQL004", "stacks/api_stack.py", 11)
    ]
    assert "DSQL connection settings for 'Orders'" in found[0][3]


@pytest.mark.parametrize(
    ("data", "api"),
    [(LEGACY_DATA, LEGACY_API), (HALF_DATA, HALF_API), (MIGRATED_DATA, MIGRATED_API)],
    ids=["legacy", "half", "migrated"],
)
def test_a_one_file_run_finds_what_the_whole_scan_finds_there(tmp_path, data, api):
    root = app(init(tmp_path / "repo"), data, api)
    commit_all(root)
    whole = [f for f in findings(*RESIDUE, ".", cwd=root) if f[1] == "stacks/api_stack.py"]
    alone = findings(*RESIDUE, "stacks/api_stack.py", cwd=root)
    assert alone == whole


def tangled_app(modules: int) -> dict[str, str]:
    """Stacks that pass each other around in a ring, each calling every other stack's class
    with itself: every symbol has many sources and every chain is a cycle."""
    files = {"cdk.json": "{}", "stacks/__init__.py": ""}
    names = [f"S{i}" for i in range(modules)]
    for i, name in enumerate(names):
        imports = "".join(f"from stacks.s{j} import S{j}\n" for j in range(modules) if j != i)
        calls = "".join(
            f"        S{j}(self, 'n{j}', other=self, peer=other.peer.other)\n"
            for j in range(modules)
            if j != i
        )
        files[f"stacks/s{i}.py"] = (
            "from aws_cdk import Stack, aws_lambda as lambda_\n" + imports + "\n\n"
            f"class {name}(Stack):\n"
            "    def __init__(self, scope, construct_id, other=None, peer=None):\n"
            "        super().__init__(scope, construct_id)\n"
            "        self.other = other.other\n"
            "        self.peer = peer or self.other.peer\n"
            f"        lambda_.Function(self, 'F{i}', environment={{'DB_HOST': self.peer.x.y}})\n"
            + calls
        )
    ring = "".join(
        f"s{i} = S{i}(app, 'S{i}', other=s{(i - 1) % modules}, peer=s{(i + 1) % modules})\n"
        for i in range(modules)
    )
    files["app.py"] = (
        "import aws_cdk as cdk\n"
        + "".join(f"from stacks.s{i} import S{i}\n" for i in range(modules))
        + "app = cdk.App()\n"
        + ring
    )
    return files


def test_tangled_modules_finish_quickly_and_identically(tmp_path):
    root = write(tmp_path, tangled_app(40))
    first = run_limited(*RESIDUE, "--format", "json", "--no-cache", ".", cwd=root, seconds=90)
    second = run_limited(*RESIDUE, "--format", "json", "--no-cache", ".", cwd=root, seconds=90)
    assert first.code == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.json()["findings"] == []


def synthesize(root: Path, path_metadata: bool) -> None:
    """``python app.py`` as the CDK CLI runs it, with or without ``aws:cdk:path`` metadata."""
    context = {"aws:cdk:enable-path-metadata": path_metadata}
    env = {
        **os.environ,
        "CDK_OUTDIR": str(root / "cdk.out"),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    proc = subprocess.run(
        [sys.executable, "app.py"], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert len(list((root / "cdk.out").glob("*.template.json"))) == 3


@pytest.mark.skipif(bool(cdk_unavailable()), reason=cdk_unavailable() or "available")
@pytest.mark.parametrize("path_metadata", [True, False], ids=["path-metadata", "no-metadata"])
def test_source_with_its_cdk_out_keeps_the_source_findings(tmp_path, path_metadata):
    legacy = app(tmp_path / "legacy", LEGACY_DATA, LEGACY_API)
    migrated = app(tmp_path / "migrated", MIGRATED_DATA, MIGRATED_API)
    alone = in_api(findings(*RESIDUE, ".", cwd=legacy))
    for root in (legacy, migrated):
        synthesize(root, path_metadata)
    assert in_api(findings(*RESIDUE, ".", cwd=legacy)) == alone
    assert findings(*RESIDUE, ".", cwd=migrated) == []
