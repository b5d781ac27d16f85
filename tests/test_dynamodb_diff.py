"""FR-006: the DynamoDB layer compared with a git base, on real temporary repositories.

Each case commits a project, changes the working tree as a migration might, and runs the
installed ``dsql-scan`` with ``--diff-base`` (``review --base``): a table replaced (key schema,
logical id, Terraform address, CDK construct moved), its access narrowed, its wiring renamed;
an untouched layer evidences FR-006, no base leaves it not evidenced, ``verify`` re-compares.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scanner.review.attest import read_document
from tests.conftest import run_cli, write
from tests.gitrepo import commit_all, git, init

TEMPLATE = """\
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: {ZipFile: "def handler(event, context): return 1"}
      Role: !GetAtt ApiRole.Arn
      Environment:
        Variables:
          ORDERS_TABLE: !Ref Orders
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: orders
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query]
                Resource: !GetAtt Orders.Arn
"""

TERRAFORM = """\
resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }
}
"""


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` that contains ``text``."""
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def ddb_findings(root: Path, *args: str) -> list[dict]:
    run = run_cli("scan", ".", "--no-cache", "--format", "json", *args, cwd=root)
    assert run.code in (0, 1), run.stderr
    return [f for f in run.json()["findings"] if f["rule"].startswith("DDB")]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init(tmp_path / "repo")
    write(root, {"infra/stack.yaml": TEMPLATE, "infra/tables.tf": TERRAFORM})
    commit_all(root, "before the migration")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_a_changed_key_schema_is_a_replacement_at_its_line(repo):
    stack = repo / "infra/stack.yaml"
    edit(
        stack,
        "        - AttributeName: pk\n          KeyType",
        "        - AttributeName: id\n          KeyType",
    )
    edit(
        stack,
        "        - AttributeName: pk\n          AttributeType",
        "        - AttributeName: id\n          AttributeType",
    )
    (found,) = ddb_findings(repo, "--diff-base", "HEAD")
    assert (found["rule"], found["path"]) == ("DDB001", "infra/stack.yaml")
    assert found["line"] == line_of(stack, "KeySchema:") + 1
    assert "from partition key pk (S) to partition key id (S)" in found["message"]
    assert found["severity"] == "error"


def test_a_changed_logical_id_is_a_replacement_at_the_new_resource(repo):
    stack = repo / "infra/stack.yaml"
    edit(stack, "  Orders:\n", "  OrdersTable:\n")
    edit(stack, "!Ref Orders", "!Ref OrdersTable")
    edit(stack, "!GetAtt Orders.Arn", "!GetAtt OrdersTable.Arn")
    (found,) = ddb_findings(repo, "--diff-base", "HEAD")
    assert found["rule"] == "DDB001"
    assert found["line"] == line_of(stack, "OrdersTable:") + 1  # at its Type
    assert "table Orders is now OrdersTable" in found["message"]
    assert "deletes the old one with its data" in found["message"]


def test_a_narrowed_grant_is_reported_at_its_statement(repo):
    stack = repo / "infra/stack.yaml"
    edit(stack, "[dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query]", "[dynamodb:GetItem]")
    (found,) = ddb_findings(repo, "--diff-base", "HEAD")
    assert (found["rule"], found["severity"]) == ("DDB002", "warning")
    assert found["line"] == line_of(stack, "Action: [dynamodb:GetItem]") - 1
    assert "ApiRole" in found["message"]
    assert "lost dynamodb:PutItem, dynamodb:Query" in found["message"]


def test_a_wildcard_keeps_the_access_it_replaces(repo):
    stack = repo / "infra/stack.yaml"
    edit(stack, "[dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query]", "dynamodb:*")
    assert ddb_findings(repo, "--diff-base", "HEAD") == []


def test_a_renamed_environment_variable_is_reported_at_its_name(repo):
    stack = repo / "infra/stack.yaml"
    edit(stack, "ORDERS_TABLE:", "TABLE_NAME:")
    (found,) = ddb_findings(repo, "--diff-base", "HEAD")
    assert found["rule"] == "DDB002"
    assert found["line"] == line_of(stack, "TABLE_NAME:")
    assert "ORDERS_TABLE of Api was renamed to TABLE_NAME" in found["message"]


def test_terraform_tables_compare_too(repo):
    tables = repo / "infra/tables.tf"
    edit(tables, '"orders" {', '"orders_v2" {')
    edit(tables, 'billing_mode = "PAY_PER_REQUEST"', 'billing_mode = "PROVISIONED"')
    (found,) = ddb_findings(repo, "--diff-base", "HEAD")
    assert (found["rule"], found["path"], found["line"]) == ("DDB001", "infra/tables.tf", 1)
    assert "Terraform destroys aws_dynamodb_table.orders" in found["message"]


def test_an_untouched_layer_reports_nothing_and_without_a_base_nothing_is_compared(repo):
    edit(repo / "infra/stack.yaml", "Runtime: python3.12", "Runtime: python3.13")
    assert ddb_findings(repo, "--diff-base", "HEAD") == []
    edit(repo / "infra/stack.yaml", "ORDERS_TABLE:", "TABLE_NAME:")
    assert ddb_findings(repo) == []  # no base: the rules judge nothing


@pytest.mark.parametrize("cache", [(), ("--no-cache",)], ids=["cache", "no-cache"])
def test_a_named_file_is_compared_with_every_table_of_the_project_and_its_base(repo, cache):
    """Named files (pre-commit) with a base: the tables of the files that are only context,
    here and at the base, are compared too; a run without a base before does not change that."""
    write(repo, {"app/handler.py": "def handler(event, context):\n    return 1\n"})
    commit_all(repo, "a handler")
    edit(repo / "infra/tables.tf", 'hash_key     = "pk"', 'hash_key     = "id"')
    edit(repo / "infra/tables.tf", 'name = "pk"', 'name = "id"')
    for args in [("app/handler.py",), ("app/handler.py", "--diff-base", "HEAD")]:
        run = run_cli("scan", *args, *cache, cwd=repo)
        assert run.code == 0, run.stderr
    assert "DynamoDB layer compared with HEAD" in run.stdout
    assert "2 table(s) there, 0 new here" in run.stdout
    run = run_cli(
        "scan", "infra/tables.tf", "--diff-base", "HEAD", "--format", "json", *cache, cwd=repo
    )
    (found,) = [f for f in run.json()["findings"] if f["rule"].startswith("DDB")]
    assert (found["rule"], found["path"]) == ("DDB001", "infra/tables.tf")


def test_a_cdk_construct_moved_in_the_tree_is_a_replacement(tmp_path):
    root = init(tmp_path / "repo")
    synthesized = {
        "Resources": {
            "OrdersTable1A2B3C4D": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                },
                "Metadata": {"aws:cdk:path": "Data/Orders/Resource"},
            }
        }
    }
    template = root / "cdk.out/Data.template.json"
    template.parent.mkdir(parents=True)
    template.write_text(json.dumps(synthesized, indent=1))
    commit_all(root)
    moved = synthesized["Resources"].pop("OrdersTable1A2B3C4D")
    moved["Metadata"]["aws:cdk:path"] = "Data/Storage/Orders/Resource"
    synthesized["Resources"]["StorageOrdersTable9F8E7D6C"] = moved
    template.write_text(json.dumps(synthesized, indent=1))
    (found,) = ddb_findings(root, "--diff-base", "HEAD")
    assert found["rule"] == "DDB001"
    assert "Data/Orders/Resource -> Data/Storage/Orders/Resource" in found["message"]
    assert "moving or renaming a construct replaces the table" in found["message"]


def test_a_base_link_that_leaves_the_tree_is_not_followed(tmp_path):
    root = init(tmp_path / "repo")
    outside = tmp_path / "outside.yaml"
    outside.write_text(TEMPLATE)
    write(root, {"stack.yaml": TEMPLATE})
    os.symlink(outside, root / "linked.yaml")
    commit_all(root)
    (root / "linked.yaml").unlink()
    assert ddb_findings(root, "--diff-base", "HEAD") == []  # the link's table was never in


def test_an_unknown_base_is_a_usage_error(repo):
    run = run_cli("scan", ".", "--diff-base", "no-such-ref", cwd=repo)
    assert run.code == 2
    assert "unknown git ref 'no-such-ref'" in run.stderr
    assert "Traceback" not in run.stderr


def review(root: Path, *args: str) -> tuple[int, dict, str]:
    run = run_cli(
        "review", ".", "-o", "review.md", "--reviewer", "R <r@example.com>", *args, cwd=root
    )
    assert run.code in (0, 1), run.stderr
    text, record = read_document(root / "review.md")
    return run.code, record, text


def fr006(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("| FR-006"))


def test_review_with_a_base_evidences_an_untouched_layer_and_verify_recompares(repo):
    edit(repo / "infra/stack.yaml", "Runtime: python3.12", "Runtime: python3.13")
    head = git(repo, "rev-parse", "HEAD").strip()
    _, record, text = review(repo, "--base", "HEAD")
    assert record["requirements"]["FR-006"] == "pass"
    assert "2 DynamoDB table(s), their access and wiring unchanged since HEAD" in fr006(text)
    assert record["options"]["base"] == head
    assert run_cli("verify", "review.md", cwd=repo).code == 0
    commit_all(repo, "later")  # the recorded commit, not the name, is what verify compares with
    edit(repo / "infra/stack.yaml", "ORDERS_TABLE:", "TABLE_NAME:")
    verified = run_cli("verify", "review.md", cwd=repo)
    assert verified.code == 1
    assert "new finding: infra/stack.yaml" in verified.stdout
    assert "DDB002" in verified.stdout


def test_review_with_a_base_fails_fr006_on_a_replacement(repo):
    edit(repo / "infra/tables.tf", 'hash_key     = "pk"', 'hash_key     = "id"')
    _, record, text = review(repo, "--base", "HEAD")
    assert record["requirements"]["FR-006"] == "fail"
    assert "DDB001" in fr006(text)


def test_review_without_a_base_leaves_fr006_not_evidenced(repo):
    _, record, text = review(repo)
    assert record["requirements"]["FR-006"] == "not evidenced"
    assert "--base REF" in fr006(text)


def test_review_with_a_base_and_no_table_is_not_evidenced(tmp_path):
    root = init(tmp_path / "repo")
    write(root, {"stack.yaml": "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"})
    commit_all(root)
    _, record, text = review(root, "--base", "HEAD")
    assert record["requirements"]["FR-006"] == "not evidenced"
    assert "no DynamoDB table(s), their access and wiring in scope" in fr006(text)
    # tables new since the base: nothing of the base's DynamoDB layer to keep unchanged
    write(root, {"tables.tf": TERRAFORM})
    _, record, text = review(root, "--base", "HEAD")
    assert record["requirements"]["FR-006"] == "not evidenced"
    assert "no DynamoDB table(s), their access and wiring in scope at HEAD" in fr006(text)
    assert "0 DynamoDB table(s) there, 1 new here" in text


CDK_STACK = """\
import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct


class DataStack(cdk.Stack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        )
"""

CDK_MOVED = """\
import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct


class Storage(Construct):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        dynamodb.Table(
            self,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        )


class DataStack(cdk.Stack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        Storage(self, "Storage")
"""

TS_STACK = """\
import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export class DataStack extends cdk.Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new dynamodb.Table(this, 'Orders', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
  }
}
"""


def test_a_table_moved_into_a_construct_in_cdk_source_is_a_replacement(tmp_path):
    root = init(tmp_path / "repo")
    write(root, {"cdk.json": '{"app": "python3 app.py"}', "app.py": CDK_STACK})
    commit_all(root)
    write(root, {"app.py": CDK_MOVED})
    (found,) = ddb_findings(root, "--diff-base", "HEAD")
    assert (found["rule"], found["line"]) == ("DDB001", 9)
    assert "Orders is now Storage/Orders" in found["message"]
    assert "CDK derives the logical id from the construct path" in found["message"]


def test_renaming_a_stack_class_keeps_its_tables(tmp_path):
    """A stack's class name is no part of its constructs' logical ids: nothing changes."""
    root = init(tmp_path / "repo")
    write(root, {"cdk.json": '{"app": "npx ts-node bin/app.ts"}', "lib/data.ts": TS_STACK})
    commit_all(root)
    write(root, {"lib/data.ts": TS_STACK.replace("class DataStack", "class OrdersStack")})
    assert ddb_findings(root, "--diff-base", "HEAD") == []
    write(root, {"lib/data.ts": TS_STACK.replace("'pk'", "'id'")})
    (found,) = ddb_findings(root, "--diff-base", "HEAD")
    assert (found["rule"], found["path"], found["line"]) == ("DDB001", "lib/data.ts", 9)


def test_the_text_report_says_what_was_compared(repo):
    run = run_cli("scan", ".", "--no-cache", "--diff-base", "HEAD", cwd=repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    assert f"DynamoDB layer compared with HEAD ({head[:12]}): 2 table(s) there, 0 new here." in (
        run.stderr + run.stdout
    )
    assert "DynamoDB layer compared" not in run_cli("scan", ".", "--no-cache", cwd=repo).stderr


def test_the_base_shares_the_cache_and_leaves_no_pack_of_its_own(repo):
    """Unchanged files of the base are the working tree's cache entries (their keys are the
    path, bytes and neighbours, not the root); the base's temporary root leaves no pack."""
    edit(repo / "infra/stack.yaml", "ORDERS_TABLE:", "TABLE_NAME:")
    first = run_cli("scan", ".", "--format", "json", "--diff-base", "HEAD", cwd=repo)
    again = run_cli("scan", ".", "--format", "json", "--diff-base", "HEAD", cwd=repo)
    cold = run_cli("scan", ".", "--format", "json", "--diff-base", "HEAD", "--no-cache", cwd=repo)
    assert first.stdout == again.stdout == cold.stdout
    assert [f["rule"] for f in first.json()["findings"] if f["rule"].startswith("DDB")] == [
        "DDB002"
    ]
    assert len(list((repo / ".dsql-scan-cache/v2-packs").iterdir())) <= 1
