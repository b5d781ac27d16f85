"""Values that cross the modules of a Python CDK app: recorded per module, resolved per app.

Each test builds a small multi-module app, extracts every module's facts on its own (as the
cached per-file analysis does) and runs the resolution provider over them, as the engine does.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

from scanner.facts import SYMBOL, FileFacts
from scanner.inputs.python import module as python
from scanner.project.resolve import symbols

DATA_STACK = """
from aws_cdk import Stack
from aws_cdk import aws_rds as rds


class DataStack(Stack):
    def __init__(self, scope, construct_id, *, vpc=None, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.database = rds.DatabaseInstance(
            self, "Database", engine=rds.DatabaseInstanceEngine.POSTGRES, vpc=vpc
        )
        self.cluster = rds.DatabaseCluster(
            self, "Ledger", engine=rds.DatabaseClusterEngine.AURORA_POSTGRESQL, vpc=vpc
        )
        self.db_credentials = self.cluster.secret
"""

API_STACK = """
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_

from stacks.data_stack import DataStack


class ApiStack(Stack):
    def __init__(self, scope, construct_id, data: DataStack, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.database = data.database
        fn = lambda_.Function(
            self,
            "Api",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=lambda_.Code.from_asset("src"),
            environment={
                "DB_HOST": self.database.db_instance_endpoint_address,
                "DB_SECRET_ARN": data.db_credentials.secret_arn,
                "CLUSTER_ARN": data.cluster.cluster_arn,
                "STAGE": "prod",
            },
        )
        data.cluster.grant_data_api_access(fn)
"""

APP = """
import aws_cdk as cdk

from stacks.api_stack import ApiStack
from stacks.data_stack import DataStack

app = cdk.App()
data = DataStack(app, "Data")
ApiStack(app, "Api", data=data)
app.synth()
"""


def facts(files: dict[str, str], app: str = ".") -> list[FileFacts]:
    """Each module's facts, extracted alone, placed in the CDK app ``app``."""
    return [
        replace(python.facts_of(textwrap.dedent(text).lstrip(), path)[0], namespace=f"cdk:{app}")
        for path, text in files.items()
    ]


def resolved(files: dict[str, str], path: str, app: str = ".") -> FileFacts:
    everything = facts(files, app)
    return dict(zip(files, symbols.resolve(everything), strict=True))[path]


def env(facts_of_file: FileFacts) -> dict[str, tuple]:
    return {s.name: s.targets for s in facts_of_file.sinks if s.kind == "env"}


def legacy_app() -> dict[str, str]:
    return {
        "app.py": APP,
        "stacks/__init__.py": "",
        "stacks/data_stack.py": DATA_STACK,
        "stacks/api_stack.py": API_STACK,
    }


def test_a_module_alone_records_where_values_come_from_without_guessing_them():
    api = facts(legacy_app())[3]
    (host,) = env(api)["DB_HOST"]
    assert host.type == SYMBOL
    assert (host.name, host.attribute) == (
        ":ApiStack(data)",
        "database.db_instance_endpoint_address",
    )
    assert not any(t.is_rds for s in api.sinks for t in s.targets)
    assert [g.symbol.name for g in api.grants if g.symbol] == [":ApiStack(data)"]


def test_attributes_parameters_and_call_sites_resolve_to_the_construct_in_another_module():
    api = resolved(legacy_app(), "stacks/api_stack.py")
    variables = env(api)
    (host,) = variables["DB_HOST"]
    assert (host.name, host.type) == ("Database", "AWS::RDS::DBInstance")
    assert host.attribute == "db_instance_endpoint_address"
    assert host.via == "DataStack.database in stacks/data_stack.py"
    (secret,) = variables["DB_SECRET_ARN"]
    assert (secret.name, secret.type, secret.rds_secret) == (
        "Ledger.secret",
        "AWS::SecretsManager::Secret",
        True,
    )
    assert next(s for s in api.sinks if s.name == "DB_SECRET_ARN").secret == "db"
    assert [t.type for t in variables["CLUSTER_ARN"]] == ["AWS::RDS::DBCluster"]
    assert variables["STAGE"] == ()
    (grant,) = api.grants
    assert (grant.target_type, grant.target, grant.symbol) == (
        "AWS::RDS::DBCluster",
        "Ledger",
        None,
    )
    assert grant.via == "DataStack.cluster in stacks/data_stack.py"


def test_files_without_symbols_are_returned_as_the_same_object():
    everything = facts(legacy_app())
    out = symbols.resolve(everything)
    assert out[2] is everything[2]  # the data stack refers to nothing elsewhere
    assert out[3] is not everything[3]


def test_props_dataclass_factory_and_relative_imports():
    files = {
        "infra/cdk.json": "",
        "infra/app.py": """
            import aws_cdk as cdk
            from stacks.props import ApiProps
            from stacks.api import ApiStack
            from stacks.db import make_cluster

            app = cdk.App()
            core = cdk.Stack(app, "Core")
            ApiStack(app, "Api", ApiProps(cluster=make_cluster(core), stage="prod"))
        """,
        "infra/stacks/__init__.py": "",
        "infra/stacks/props.py": """
            from dataclasses import dataclass
            from aws_cdk import aws_rds as rds


            @dataclass
            class ApiProps:
                cluster: rds.IDatabaseCluster
                stage: str
        """,
        "infra/stacks/db.py": """
            from aws_cdk import aws_rds as rds


            def make_cluster(scope):
                return rds.DatabaseCluster(
                    scope, "Orders", engine=rds.DatabaseClusterEngine.AURORA_MYSQL
                )
        """,
        "infra/stacks/api.py": """
            from aws_cdk import Stack
            from aws_cdk import aws_lambda as lambda_

            from .props import ApiProps


            class ApiStack(Stack):
                def __init__(self, scope, construct_id, props: ApiProps):
                    super().__init__(scope, construct_id)
                    handler = lambda_.Function(self, "Handler", environment={
                        "DB_ENDPOINT": props.cluster.cluster_endpoint.hostname,
                    })
                    self.wire(handler, props)

                def wire(self, handler, props):
                    props.cluster.grant_data_api_access(handler)
        """,
    }
    files = {k: v for k, v in files.items() if k.endswith(".py")}
    api = resolved(files, "infra/stacks/api.py", app="infra")
    (endpoint,) = env(api)["DB_ENDPOINT"]
    assert (endpoint.name, endpoint.type) == ("Orders", "AWS::RDS::DBCluster")
    assert endpoint.attribute == "cluster_endpoint.hostname"
    assert endpoint.via == "make_cluster() in infra/stacks/db.py"
    assert [(g.target, g.target_type) for g in api.grants] == [("Orders", "AWS::RDS::DBCluster")]


DSQL_DATA = """
from aws_cdk import Stack
from aws_cdk import aws_dsql as dsql


class DataStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        self.cluster = dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
"""

DSQL_API = """
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_


class ApiStack(Stack):
    def __init__(self, scope, construct_id, data):
        super().__init__(scope, construct_id)
        fn = lambda_.Function(self, "Api", environment={
            "AURORA_DB_ENDPOINT": data.cluster.attr_endpoint,
            "AURORA_DB_CLUSTER_ARN": data.cluster.attr_resource_arn,
        })
        fn.add_to_role_policy(iam.PolicyStatement(
            actions=["dsql:DbConnect"], resources=[data.cluster.attr_resource_arn]
        ))
"""


def test_dsql_values_from_another_module_are_named_as_the_model_links_them():
    files = {
        "app.py": APP.replace('ApiStack(app, "Api", data=data)', 'ApiStack(app, "Api", data)'),
        "stacks/data_stack.py": DSQL_DATA,
        "stacks/api_stack.py": DSQL_API,
    }
    api = resolved(files, "stacks/api_stack.py")
    variables = env(api)
    assert [(t.name, t.attribute, t.is_dsql) for t in variables["AURORA_DB_ENDPOINT"]] == [
        ("Ledger", "Endpoint", True)
    ]
    assert [t.attribute for t in variables["AURORA_DB_CLUSTER_ARN"]] == ["ResourceArn"]
    (statement,) = api.statements
    assert [t.name for t in statement.resource_targets] == ["Ledger"]
    assert not statement.opaque_resources


OTHER_SERVICES = """
from aws_cdk import Stack
from aws_cdk import aws_docdb as docdb
from aws_cdk import aws_eks as eks
from aws_cdk import aws_neptune_alpha as neptune


class Registry:
    def __init__(self):
        self.cluster = "not a construct"


class DataStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        self.cluster = eks.Cluster(self, "Eks", version=eks.KubernetesVersion.V1_29)
        self.documents = docdb.DatabaseCluster(self, "Docs", master_user=None)
        self.graph = neptune.DatabaseCluster(self, "Graph")
        self.registry = Registry()
"""

OTHER_API = """
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_


class ApiStack(Stack):
    def __init__(self, scope, construct_id, data):
        super().__init__(scope, construct_id)
        fn = lambda_.Function(self, "Api", environment={
            "DB_HOST": data.documents.cluster_endpoint.hostname,
            "CLUSTER_ENDPOINT": data.cluster.cluster_endpoint,
            "GRAPH_ENDPOINT": data.graph.cluster_endpoint.hostname,
            "REGISTRY": data.registry.cluster,
        })
        data.documents.grant_connect(fn)
"""


def test_same_named_attributes_of_other_services_resolve_to_nothing_rds():
    files = {
        "app.py": APP,
        "stacks/data_stack.py": OTHER_SERVICES,
        "stacks/api_stack.py": OTHER_API,
    }
    api = resolved(files, "stacks/api_stack.py")
    assert not any(t.is_rds or t.is_symbol for s in api.sinks for t in s.targets)
    assert api.grants == ()


def test_cycles_and_self_reference_terminate_with_nothing():
    files = {
        "app.py": """
            import aws_cdk as cdk
            from stacks.a import A
            from stacks.b import B

            app = cdk.App()
            a = A(app, "A", other=None)
            b = B(app, "B", other=a)
            A(app, "A2", other=b)
        """,
        "stacks/a.py": """
            from aws_cdk import Stack, aws_lambda as lambda_


            class A(Stack):
                def __init__(self, scope, construct_id, other):
                    super().__init__(scope, construct_id)
                    self.value = other.value
                    self.loop = self.loop
                    lambda_.Function(self, "F", environment={"DB_HOST": self.value.endpoint})
        """,
        "stacks/b.py": """
            from aws_cdk import Stack


            class B(Stack):
                def __init__(self, scope, construct_id, other):
                    super().__init__(scope, construct_id)
                    self.value = other.value
        """,
    }
    first = resolved(files, "stacks/a.py")
    assert env(first)["DB_HOST"] == ()
    assert resolved(files, "stacks/a.py") == first


def test_apps_do_not_mix_and_files_outside_an_app_drop_their_symbols():
    one = facts({"one/stacks/data_stack.py": DATA_STACK}, app="one")
    two = facts({"two/stacks/api_stack.py": API_STACK, "two/app.py": APP}, app="two")
    outside = [replace(f, namespace="") for f in facts({"stacks/api_stack.py": API_STACK})]
    out = symbols.resolve(one + two + outside)
    assert not any(t.is_rds or t.is_symbol for f in out for s in f.sinks for t in s.targets)
    assert not any(g.symbol for f in out for g in f.grants)


def test_typed_dict_props_read_by_key_and_keyword_only_parameters():
    files = {
        "app.py": """
            import aws_cdk as cdk
            from stacks.data import DataStack
            from stacks.api import ApiProps, ApiStack

            app = cdk.App()
            data = DataStack(app, "Data")
            ApiStack(app, "Api", props=ApiProps(secret=data.db_credentials))
        """,
        "stacks/data.py": DATA_STACK,
        "stacks/api.py": """
            from typing import TypedDict

            from aws_cdk import Stack
            from aws_cdk import aws_lambda as lambda_
            from aws_cdk import aws_secretsmanager as sm


            class ApiProps(TypedDict):
                secret: sm.ISecret


            class ApiStack(Stack):
                def __init__(self, scope, construct_id, *, props: ApiProps):
                    super().__init__(scope, construct_id)
                    lambda_.Function(self, "Api", environment={
                        "SECRET_ARN": props["secret"].secret_arn,
                    })
        """,
    }
    api = resolved(files, "stacks/api.py")
    (secret,) = env(api)["SECRET_ARN"]
    assert (secret.name, secret.rds_secret) == ("Ledger.secret", True)
    assert secret.via == "DataStack.db_credentials in stacks/data.py"


def test_attributes_set_by_a_base_class_and_methods_of_another_module():
    files = {
        "app.py": APP,
        "stacks/base.py": """
            from aws_cdk import Stack
            from aws_cdk import aws_rds as rds


            class DatabaseStack(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.cluster = rds.DatabaseCluster(
                        self, "Shared", engine=rds.DatabaseClusterEngine.AURORA_MYSQL
                    )

                def reader_endpoint(self):
                    return self.cluster.cluster_read_endpoint
        """,
        "stacks/data_stack.py": """
            from aws_cdk import Duration

            from stacks.base import DatabaseStack


            class DataStack(DatabaseStack):
                timeout = Duration.seconds(30)

                def database_arn(self):
                    return self.cluster.cluster_arn
        """,
        "stacks/api_stack.py": """
            from aws_cdk import Stack
            from aws_cdk import aws_lambda as lambda_


            class ApiStack(Stack):
                def __init__(self, scope, construct_id, data):
                    super().__init__(scope, construct_id)
                    lambda_.Function(self, "Api", environment={
                        "DB_READER": data.reader_endpoint().hostname,
                        "DB_ARN": data.database_arn(),
                        "DB_CLUSTER": data.cluster.cluster_identifier,
                    })
        """,
    }
    variables = env(resolved(files, "stacks/api_stack.py"))
    assert {name: [(t.name, t.attribute) for t in v] for name, v in variables.items()} == {
        "DB_READER": [("Shared", "cluster_read_endpoint.hostname")],
        "DB_ARN": [("Shared", "cluster_arn")],
        "DB_CLUSTER": [("Shared", "cluster_identifier")],
    }


def test_connections_rules_open_the_port_of_the_database_from_another_module():
    api = API_STACK.replace(
        "        data.cluster.grant_data_api_access(fn)\n",
        "        data.cluster.connections.allow_default_port_from(fn)\n"
        "        data.database.connections.allow_default_port_from(fn)\n"
        "        fn.connections.allow_to_default_port(data.cluster)\n"
        "        data.unknown.connections.allow_default_port_from(fn)\n",
    )
    mysql = DATA_STACK.replace("AURORA_POSTGRESQL", "AURORA_MYSQL")
    files = {"app.py": APP, "stacks/data_stack.py": mysql, "stacks/api_stack.py": api}
    alone = dict(zip(files, facts(files), strict=True))["stacks/api_stack.py"]
    assert [(i.from_port, i.symbol is not None) for i in alone.ingress] == [(None, True)] * 4
    ingress = resolved(files, "stacks/api_stack.py").ingress
    assert [(i.from_port, i.to_port, i.location.line) for i in ingress] == [
        (3306, 3306, 24),
        (5432, 5432, 25),
        (3306, 3306, 26),
    ]


def test_a_factory_called_inside_a_method_of_another_module():
    files = {
        "app.py": APP,
        "stacks/data_stack.py": """
            from aws_cdk import Stack
            from aws_cdk import aws_rds as rds


            def database(scope):
                return rds.DatabaseInstance(scope, "Orders", engine=rds.DatabaseInstanceEngine.MYSQL)


            class DataStack(Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    self.database = database(self)
        """,
        "stacks/api_stack.py": API_STACK,
    }
    (host,) = env(resolved(files, "stacks/api_stack.py"))["DB_HOST"]
    assert (host.name, host.type, host.via) == (
        "Orders",
        "AWS::RDS::DBInstance",
        "database() in stacks/data_stack.py",
    )
