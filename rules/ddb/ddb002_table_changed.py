"""DDB002: the working tree changes a DynamoDB table of the base, its access or its wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Severity
from scanner.rules.base import Example, rule
from scanner.rules.ddb._common import READS, hits

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.model import Hit
    from scanner.project.context import Project

BASE = """
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
      StreamSpecification:
        StreamViewType: NEW_IMAGE
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt ApiRole.Arn
      Environment:
        Variables:
          ORDERS_TABLE: !Ref Orders
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: orders
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [dynamodb:GetItem, dynamodb:PutItem]
                Resource: !GetAtt Orders.Arn
"""

CDK_BASE = """
import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb, aws_lambda as lambda_


class DataStack(cdk.Stack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        table = dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        )
        api = lambda_.Function(
            self,
            "Api",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=lambda_.Code.from_asset("src"),
            environment={"ORDERS_TABLE": table.table_name},
        )
        table.grant_read_write_data(api)
"""


def check_table_changed(project: Project, config: Config) -> Iterator[Hit]:
    return hits(project, replacements=False)


RULE = rule(
    id="DDB002",
    name="dynamodb-table-changed",
    title="A DynamoDB table, its access or its wiring changed",
    severity=Severity.WARNING,
    reads=READS,
    needs_base=True,
    project_check=check_table_changed,
    since="0.1.0",
    requirements=("FR-006",),
    rationale="""The migration must leave the DynamoDB-backed behaviour alone. Compared with
        the git base (--diff-base REF, review --base REF), this reports every change that keeps
        the table but changes how it behaves: a global secondary index added, changed or
        dropped, the stream, time to live, billing mode, throughput, point-in-time recovery,
        deletion protection or deletion/update-replace policy changed; the IAM access that
        reaches it narrowed (a role or function loses an action: statements, CDK grants and
        Terraform policy documents alike); an environment variable that handed its name or ARN
        to compute renamed or dropped (the code that reads the old name no longer finds the
        table). Each finding gives the value before and after. Without a base the rule judges
        nothing.""",
    remediation="""Undo the change if the migration does not need it; if it does, make it in a
        change of its own, with the DynamoDB-backed tests run against it, and suppress the
        finding with that reason.""",
    examples=(
        Example(
            BASE.replace("NEW_IMAGE", "KEYS_ONLY")
            .replace("ORDERS_TABLE:", "TABLE:")
            .replace("dynamodb:GetItem, dynamodb:PutItem", "dynamodb:GetItem"),
            fires=3,
            lines=(12, 19, 27),
            base=(("template.yaml", BASE),),
        ),
        Example(BASE, fires=0, base=(("template.yaml", BASE),)),
        Example(
            CDK_BASE.replace("grant_read_write_data", "grant_read_data"),
            fires=1,
            kind="cdk",
            lines=(21,),
            base=(("app.py", CDK_BASE),),
        ),
        Example(CDK_BASE, fires=0, kind="cdk", base=(("app.py", CDK_BASE),)),
    ),
)
