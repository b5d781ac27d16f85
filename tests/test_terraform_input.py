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
        {"main.tf": function("DSQL_ENDPOINT = aws_dsql_cluster.ledger.identifier"), "iam.tf": ROLE},
    )
    run = run_cli("scan", "--no-cache", "--select", "DSQL", "--format", "json", str(tmp_path))
    assert run.code == 0, run.stdout + run.stderr
    assert run.json()["findings"] == []


SECRET = """
resource "aws_secretsmanager_secret" "ledger" {
  name = "ledger/aurora"
}

resource "aws_secretsmanager_secret_version" "ledger" {
  secret_id = aws_secretsmanager_secret.ledger.id
  secret_string = jsonencode({
    username = "ledger_admin"
    password = var.password
  })
}

data "aws_secretsmanager_secret_version" "ledger" {
  secret_id = aws_secretsmanager_secret.ledger.id
}

data "aws_secretsmanager_secret_version" "vendor" {
  secret_id = "vendor/api"
}

variable "password" {
  type = string
}
"""


def test_a_secret_string_is_the_secret_in_plain_text(tmp_path):
    """``secret_string`` of a secret version, resource or data source, is what CloudFormation
    writes as a dynamic reference to the secret; its ARN stays a reference to it."""
    document = lowered(
        tmp_path,
        {
            "secret.tf": SECRET,
            "main.tf": function(
                """
          PASSWORD   = jsondecode(data.aws_secretsmanager_secret_version.ledger.secret_string)["password"]
          CREDENTIAL = aws_secretsmanager_secret_version.ledger.secret_string
          VENDOR_KEY = data.aws_secretsmanager_secret_version.vendor.secret_string
          SECRET_ARN = aws_secretsmanager_secret.ledger.arn
                """
            ),
        },
    )
    variables = document["Resources"]["aws_lambda_function.api"]["Properties"]["Environment"][
        "Variables"
    ]
    resolved = {
        "Fn::Join": [
            "",
            [
                "{{resolve:secretsmanager:",
                {"Ref": "aws_secretsmanager_secret.ledger"},
                ":SecretString}}",
            ],
        ]
    }
    assert variables["PASSWORD"] == {"Fn::Terraform": [{"Fn::Terraform": [resolved]}]}
    assert variables["CREDENTIAL"] == resolved
    assert variables["VENDOR_KEY"] == "{{resolve:secretsmanager:vendor/api:SecretString}}"
    assert variables["SECRET_ARN"] == {"Fn::GetAtt": ["aws_secretsmanager_secret.ledger", "arn"]}


def test_the_database_password_in_an_environment_is_a_plain_text_credential(tmp_path):
    password = 'jsondecode(data.aws_secretsmanager_secret_version.ledger.secret_string)["password"]'
    write(tmp_path, {"secret.tf": SECRET, "main.tf": function(f"DB_PASSWORD = {password}")})
    run = run_cli("scan", "--no-cache", "--select", "RDS011", "--format", "json", ".", cwd=tmp_path)
    (finding,) = run.json()["findings"]
    assert (finding["path"], finding["line"], finding["column"]) == (
        "main.tf",
        14,
        26,
    )  # at the secret_string
    assert "credentials from 'aws_secretsmanager_secret.ledger'" in finding["message"]


def test_an_instance_engine_read_from_its_cluster_is_the_cluster_engine_at_the_reference(tmp_path):
    """``engine = aws_rds_cluster.x.engine`` sets the engine again: the cluster's value, located
    where the instance writes it. Other attributes stay references, whose parts are located
    at the reference too (never at the top of the file)."""
    write(
        tmp_path,
        {
            "instances.tf": """
            resource "aws_rds_cluster_instance" "aurora" {
              cluster_identifier = aws_rds_cluster.aurora.id
              instance_class     = "db.serverless"
              engine             = aws_rds_cluster.aurora.engine
              engine_version     = aws_rds_cluster.aurora.engine_version
            }
            """,
            "main.tf": """
            resource "aws_rds_cluster" "aurora" {
              engine         = "aurora-postgresql"
              engine_version = "16.4"
            }
            """,
        },
    )
    document = lowered(tmp_path, {})
    props = document["Resources"]["aws_rds_cluster_instance.aurora"]["Properties"]
    assert props["Engine"] == "aurora-postgresql"
    assert (props["Engine"].start_mark.line, props["Engine"].start_mark.column) == (3, 23)
    assert props["EngineVersion"] == "16.4"
    name, attribute = props["DBClusterIdentifier"]["Fn::GetAtt"]
    assert (name, attribute) == ("aws_rds_cluster.aurora", "id")
    assert (name.start_mark.line, name.start_mark.column) == (1, 23)  # 0-based, as cfn-lint's
    assert (attribute.start_mark.line, attribute.start_mark.column) == (1, 23)
    result = scan_tree(tmp_path)
    engines = [(f.location.path, f.location.line) for f in result.findings if f.rule == "RDS003"]
    assert engines == [("instances.tf", 4), ("main.tf", 2)]
    (missing,) = [f for f in result.findings if f.rule == "DSQL001"]
    assert (missing.location.path, missing.location.line) == ("instances.tf", 4)
    assert "(the database engine aurora-postgresql)" in missing.message


def test_a_secret_and_its_version_are_each_a_credential(tmp_path):
    """The version's string is the secret's (what makes the secret a database credential),
    and the version is a block of its own holding the credential: both are RDS005, each at
    its own line, and a value carrying the version's ARN carries the RDS secret."""
    write(
        tmp_path,
        {
            "secret.tf": SECRET,
            "main.tf": function("ARN = aws_secretsmanager_secret_version.ledger.arn"),
        },
    )
    document = lowered(tmp_path, {})
    secret = document["Resources"]["aws_secretsmanager_secret.ledger"]["Properties"]
    assert secret["SecretString"] == '{"username": "*", "password": "*"}'
    version = document["Resources"]["aws_secretsmanager_secret_version.ledger"]["Properties"]
    assert version["SecretString"] == '{"username": "*", "password": "*"}'
    result = scan_tree(tmp_path)
    found = [(f.location.path, f.location.line) for f in result.findings if f.rule == "RDS005"]
    assert found == [("secret.tf", 1), ("secret.tf", 5)]
    (leak,) = [f for f in result.findings if f.rule == "RDS008"]
    assert "aws_secretsmanager_secret_version.ledger" in leak.message


SHARED_PASSWORD = """
resource "random_password" "db" {
  length = 32
}

resource "{database}" "db" {
  {password} = random_password.db.result
}

resource "aws_secretsmanager_secret" "db" {
  name = "db/credentials"
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({ username = "admin", password = random_password.db.result })
}
"""


def test_a_generated_password_links_its_secret_to_the_database_that_uses_it(tmp_path):
    """The same random_password in a database and in a secret: the database reads its
    password from the secret, so the secret is the Aurora cluster's (RDS005 says so) or the
    DocumentDB cluster's (none of the migration's business, nor is its password)."""
    aurora = SHARED_PASSWORD.replace("{database}", "aws_rds_cluster").replace(
        "{password}", "master_password"
    )
    docdb = SHARED_PASSWORD.replace("{database}", "aws_docdb_cluster").replace(
        "{password}", "master_password"
    )
    write(tmp_path / "aurora", {"main.tf": aurora})
    result = scan_tree(tmp_path / "aurora")
    found = {
        (f.location.line, f.message.split(";")[0]) for f in result.findings if f.rule == "RDS005"
    }
    assert found == {
        (1, "'random_password.db' generates the Aurora RDS database's password"),
        (9, "secret 'aws_secretsmanager_secret.db' holds Aurora RDS credentials"),
        (13, "secret 'aws_secretsmanager_secret_version.db' holds Aurora RDS credentials"),
    }
    write(tmp_path / "docdb", {"main.tf": docdb})
    assert rules_of(scan_tree(tmp_path / "docdb"), "RDS005") == []


REGIONS = """
provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "oregon"
  region = "us-west-2"
}

variable "region" {
  type    = string
  default = "us-west-1"
}

resource "aws_dsql_cluster" "default_provider" {
  deletion_protection_enabled = true
}

resource "aws_dsql_cluster" "aliased" {
  provider                    = aws.oregon
  deletion_protection_enabled = true
}

resource "aws_dsql_cluster" "own_region" {
  region                      = "sa-east-1"
  deletion_protection_enabled = true
}
"""


def test_a_cluster_is_judged_in_the_region_its_provider_or_its_own_argument_names(tmp_path):
    write(tmp_path, {"main.tf": REGIONS})
    result = scan_tree(tmp_path)
    found = [(f.location.line, f.location.resource) for f in result.findings if f.rule == "DSQL009"]
    assert found == [(15, "aws_dsql_cluster.default_provider")]  # us-west-1, from the variable
    (diagnostic,) = next(f for f in result.files if f.path == "main.tf").facts.diagnostics
    assert (diagnostic.codes, diagnostic.regions) == (("E3006",), ("us-west-1",))


def test_without_a_region_in_the_configuration_the_configured_regions_are_judged(tmp_path):
    """A child module inherits its caller's provider: --region decides, as for templates."""
    write(tmp_path, {"main.tf": 'resource "aws_dsql_cluster" "ledger" {}\n'})
    assert rules_of(scan_tree(tmp_path), "DSQL009") == []
    run = run_cli(
        "scan", "--no-cache", "--select", "DSQL009", "--region", "us-west-1", ".", cwd=tmp_path
    )
    assert run.code == 1, run.stdout + run.stderr
    assert "main.tf:1:1: DSQL009" in run.stdout
    assert "cannot be deployed to us-west-1" in run.stdout
    run = run_cli(
        "scan", "--no-cache", "--select", "DSQL009", "--region", "us-east-1", ".", cwd=tmp_path
    )
    assert run.code == 0, run.stdout + run.stderr
