"""DDB001: deploying the working tree would replace or delete a DynamoDB table of the base."""

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
      TableName: orders
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
"""

CDK_BASE = """
import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb


class DataStack(cdk.Stack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        )
"""


def check_table_replaced(project: Project, config: Config) -> Iterator[Hit]:
    return hits(project, replacements=True)


RULE = rule(
    id="DDB001",
    name="dynamodb-table-replaced",
    title="A DynamoDB table would be replaced or deleted",
    severity=Severity.ERROR,
    reads=READS,
    needs_base=True,
    project_check=check_table_replaced,
    since="0.1.0",
    requirements=("FR-006",),
    rationale="""The migration moves the relational data to Aurora DSQL and must leave the
        DynamoDB-backed behaviour alone. Compared with the git base (--diff-base REF, review
        --base REF), a table whose name, key schema (with its attribute types) or local
        secondary indexes changed is replaced on the next deployment, and the new table starts
        empty; so is a table whose logical id, construct path (CDK derives the logical id from
        it) or Terraform address changed, and a table removed from the code is deleted (or, when
        retained, orphaned). Tables are matched by their identity, then by their physical name,
        construct id or key schema, so a moved table is reported as replaced, not as one table
        removed and another added. Without a base the rule judges nothing.""",
    remediation="""Keep the table's identity and its replacing settings as they were: undo the
        change, move the construct back (or pin its logical id with overrideLogicalId), add a
        Terraform moved block, or migrate the data deliberately in a change of its own.""",
    examples=(
        Example(
            """
            Resources:
              Orders:
                Type: AWS::DynamoDB::Table
                Properties:
                  TableName: orders
                  AttributeDefinitions:
                    - AttributeName: id
                      AttributeType: S
                  KeySchema:
                    - AttributeName: id
                      KeyType: HASH
            """,
            fires=1,
            lines=(10,),
            base=(("template.yaml", BASE),),
        ),
        Example(
            """
            Resources:
              OrdersV2:
                Type: AWS::DynamoDB::Table
                Properties:
                  TableName: orders
                  AttributeDefinitions:
                    - AttributeName: pk
                      AttributeType: S
                  KeySchema:
                    - AttributeName: pk
                      KeyType: HASH
            """,
            fires=1,
            lines=(3,),
            base=(("template.yaml", BASE),),
        ),
        Example(
            BASE + "    DeletionPolicy: Retain\n",
            fires=0,
            base=(("template.yaml", BASE),),
        ),
        Example(
            CDK_BASE.replace('"Orders"', '"OrdersTable"'),
            fires=1,
            kind="cdk",
            lines=(8,),
            base=(("app.py", CDK_BASE),),
        ),
        Example(
            CDK_BASE.replace(
                "\n        )", "\n            stream=dynamodb.StreamViewType.NEW_IMAGE,\n        )"
            ),
            fires=0,
            kind="cdk",
            base=(("app.py", CDK_BASE),),
        ),
    ),
)
