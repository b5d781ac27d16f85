"""The Terraform input's lowering, where rule examples showed it wrong: unit tests of the
lowered template, and scans of real configurations (in-process and through the installed
``dsql-scan``)."""

from __future__ import annotations

from pathlib import Path

from scanner.inputs.terraform import scope
from scanner.inputs.terraform.lower import Lowering
from tests.conftest import run_cli, scan_tree, write

ROLE = """
resource "aws_iam_role" "api" {
  name               = "ledger-api"
  assume_role_policy = var.assume_role_policy
}

resource "aws_iam_role_policy" "api" {
  role = aws_iam_role.api.id
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = "dsql:DbConnect"
      Resource = aws_dsql_cluster.ledger.arn
    }]
  })
}

variable "assume_role_policy" {
  type = string
}
"""


def lowered(root: Path, files: dict[str, str]) -> dict:
    """The template the module in ``root`` lowers to."""
    write(root, files)
    return Lowering(scope.load(root, root, 1_000_000)).run().document


def function(variables: str) -> str:
    """A configuration: a DSQL cluster, a function that may connect, and its ``variables``."""
    return f"""
    resource "aws_dsql_cluster" "ledger" {{
      deletion_protection_enabled = true
    }}

    resource "aws_lambda_function" "api" {{
      function_name = "ledger-api"
      role          = aws_iam_role.api.arn
      runtime       = "python3.12"
      handler       = "app.handler"
      filename      = "api.zip"

      environment {{
        variables = {{
    {variables}
        }}
      }}
    }}
    """


def rules_of(result, rule: str) -> list[int]:
    return [f.location.line for f in result.findings if f.rule == rule]


def test_dsql_cluster_attributes_are_named_as_cloudformation_names_them(tmp_path):
    document = lowered(
        tmp_path,
        {
            "main.tf": function(
                """
          CLUSTER_ID  = aws_dsql_cluster.ledger.identifier
          CLUSTER_ARN = aws_dsql_cluster.ledger.arn
          SERVICE     = aws_dsql_cluster.ledger.vpc_endpoint_service_name
          OTHER       = aws_dsql_cluster.ledger.encryption_details
                """
            )
        },
    )
    variables = document["Resources"]["aws_lambda_function.api"]["Properties"]["Environment"][
        "Variables"
    ]
    attributes = {name: value["Fn::GetAtt"][1] for name, value in variables.items()}
    assert attributes == {
        "CLUSTER_ID": "Identifier",
        "CLUSTER_ARN": "ResourceArn",
        "SERVICE": "VpcEndpointServiceName",
        "OTHER": "encryption_details",  # not read by its meaning: Terraform's name
    }


def test_an_endpoint_built_from_the_identifier_locates_the_cluster(tmp_path):
    endpoint = '"${aws_dsql_cluster.ledger.identifier}.dsql.${var.region}.on.aws"'
    write(tmp_path / "built", {"main.tf": function(f"DSQL_ENDPOINT = {endpoint}"), "iam.tf": ROLE})
    write(
        tmp_path / "arn",
        {"main.tf": function("DSQL_CLUSTER_ARN = aws_dsql_cluster.ledger.arn"), "iam.tf": ROLE},
    )
    assert rules_of(scan_tree(tmp_path / "built"), "DSQL003") == []
    assert rules_of(scan_tree(tmp_path / "arn"), "DSQL003") == [13]  # the ARN alone does not


def test_the_installed_scanner_finds_no_missing_endpoint_in_an_identifier(tmp_path):
    write(
        tmp_path,
        {"main.tf": function("DSQL_ENDPOINT = aws_dsql_cluster.ledger.id"), "iam.tf": ROLE},
    )
    run = run_cli("scan", "--no-cache", "--select", "DSQL", "--format", "json", str(tmp_path))
    assert run.code == 0, run.stdout + run.stderr
    assert run.json()["findings"] == []
