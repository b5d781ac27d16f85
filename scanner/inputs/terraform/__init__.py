"""Terraform configurations (``.tf``, ``.tf.json``) and their variables files, read with
python-hcl2 and lowered onto the CloudFormation facts (``scanner.inputs.terraform.lower``)."""

from scanner.inputs.base import Input
from scanner.inputs.cloudformation import TEMPLATE_FACTS
from scanner.model import Kind

INPUT = Input(
    name="terraform",
    label="Terraform",
    suffixes=(".tf", ".tf.json", ".tfvars", ".tfvars.json"),
    languages={
        ".tf": "Terraform",
        ".tf.json": "Terraform",
        ".tfvars": "Terraform",
        ".tfvars.json": "Terraform",
    },
    produces={Kind.CFN: TEMPLATE_FACTS},
    modules=(
        "hcl2.api",
        "scanner.inputs.terraform.grammar",
        "cfnlint.decode.cfn_json",
        "scanner.inputs.cloudformation.template",
        "scanner.inputs.terraform.analyze",
        "scanner.inputs.terraform.lower",
        "scanner.rules",  # the file rules run on the facts in the same process
    ),
    analyzer="scanner.inputs.terraform.analyze:analyze",
    companions="scanner.inputs.terraform.scope:companions",
    file_modules="scanner.inputs.terraform.scope:file_modules",
    examples={Kind.CFN: "main.tf"},
    since="0.1.0",
)
