"""What two or more RDS rules share: the RDS resource types, how a message names a thing and
where its value came from, and the example projects their examples are scanned in.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from scanner.model import Hit, Location

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.facts import FileFacts, Target

CLUSTER_TYPES = frozenset({"AWS::RDS::DBCluster", "AWS::RDS::GlobalCluster"})
INSTANCE_TYPES = frozenset({"AWS::RDS::DBInstance"})


def subject(location: Location) -> str:
    """How a message names the offending thing: logical id, construct, or nothing."""
    name = location.resource or location.qualified_name
    return f"'{name}' " if name else ""


def resources_of(facts: FileFacts, types: frozenset[str]) -> Iterator[Hit]:
    """A hit on each resource of ``types``: RDS001 and RDS002 differ only in the types."""
    for resource in facts.resources:
        if resource.type in types:
            yield Hit(
                resource.location,
                f"Aurora RDS resource {subject(resource.location)}({resource.type}) is still "
                "declared; the migrated stack keeps its data in the AWS::DSQL::Cluster",
            )


def rds_secret_of(targets: tuple[Target, ...]) -> Target | None:
    """The first target that is a secret holding the RDS database's credentials."""
    return next((t for t in targets if t.rds_secret), None)


def arrival(target: Target) -> str:
    """How a value resolved from another file got here, for messages; "" for a local one."""
    return f" (via {target.via})" if target.via else ""


# A CDK app split over modules (rule examples): the data stack creates the database and its
# secret, app.py hands the stack to the API stack, which wires them (see resolve.symbols).
CDK_APP_FILES = (
    ("cdk.json", '{"app": "python3 app.py"}\n'),
    (
        "app.py",
        textwrap.dedent(
            """\
        import aws_cdk as cdk

        from stacks.api_stack import ApiStack
        from stacks.data_stack import DataStack

        app = cdk.App()
        data = DataStack(app, "Data")
        ApiStack(app, "Api", data=data)
        app.synth()
        """
        ),
    ),
    (
        "stacks/data_stack.py",
        textwrap.dedent(
            """\
        from aws_cdk import Stack
        from aws_cdk import aws_docdb as docdb
        from aws_cdk import aws_dsql as dsql
        from aws_cdk import aws_rds as rds


        class DataStack(Stack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id, **kwargs)
                self.database = rds.DatabaseInstance(
                    self, "Orders", engine=rds.DatabaseInstanceEngine.POSTGRES
                )
                self.db_credentials = self.database.secret
                self.ledger = dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
                self.documents = docdb.DatabaseCluster(self, "Documents", master_user=None)
        """
        ),
    ),
)

API_STACK = """\
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_


class ApiStack(Stack):
    def __init__(self, scope, construct_id, data, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        self.api = lambda_.Function(
            self,
            "Api",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=lambda_.Code.from_asset("src"),
        )
"""


def api_stack(body: str) -> str:
    """The API stack of CDK_APP_FILES' app, its constructor ending with ``body`` (line 15 on)."""
    return API_STACK + textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8) + "\n"


# The Aurora cluster RDS001 (the resource) and RDS003 (its engine) both flag.
RDS_CLUSTER_TEMPLATE = """
Resources:
  LedgerCluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
"""

# A data stack that exports the Aurora RDS credentials secret (the importing stack is the
# example).
SECRET_EXPORT = """\
Resources:
  AuroraCredentials:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username": "ledger_admin"}'
        GenerateStringKey: password
Outputs:
  Credentials:
    Value: !Ref AuroraCredentials
    Export:
      Name: Data:ExportsOutputRefAuroraCredentials
"""
