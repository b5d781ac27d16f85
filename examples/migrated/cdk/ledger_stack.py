"""The ledger service on Aurora DSQL: a Lambda API and an ECS worker with IAM-token access."""

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_dsql as dsql
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

HANDLER = """
def main(event, context):
    return {"statusCode": 200}
"""


class LedgerStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        ledger = dsql.CfnCluster(self, "LedgerDsql", deletion_protection_enabled=True)
        settings = {
            "DSQL_ENDPOINT": ledger.attr_endpoint,
            "DSQL_CLUSTER_ARN": ledger.attr_resource_arn,
            "DSQL_DATABASE": "postgres",
        }
        connect = iam.PolicyStatement(
            actions=["dsql:DbConnect"], resources=[ledger.attr_resource_arn]
        )

        api = lambda_.Function(
            self,
            "LedgerApi",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.main",
            code=lambda_.Code.from_inline(HANDLER),
            environment={**settings, "LOG_LEVEL": "INFO"},
        )
        api.add_to_role_policy(connect)

        worker = ecs.FargateTaskDefinition(self, "LedgerWorker", cpu=256, memory_limit_mib=512)
        worker.add_container(
            "worker",
            image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12"),
            environment=settings,
        )
        worker.add_to_task_role_policy(connect)

        CfnOutput(self, "LedgerDsqlEndpoint", value=ledger.attr_endpoint)
