"""CloudFormation templates (JSON, YAML, SAM, cdk.out): decoded and validated with cfn-lint."""

from scanner.inputs.base import Input
from scanner.model import Kind

TEMPLATE_FACTS = frozenset(
    {
        "resources", "engines", "credentials", "statements", "grants", "ingress", "sinks",
        "clusters", "compute", "roles", "diagnostics", "tables",
    }
)  # fmt: skip

INPUT = Input(
    name="cloudformation",
    label="CloudFormation template",
    suffixes=(".json", ".yaml", ".yml", ".template"),
    languages={".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".template": "template"},
    produces={Kind.CFN: TEMPLATE_FACTS},
    modules=("cfnlint.decode", "scanner.inputs.cloudformation.template", "scanner.rules"),
    analyzer="scanner.inputs.cloudformation.analyze:analyze",
    owns_unreadable="scanner.inputs.cloudformation.analyze:owns_unreadable",
    examples={Kind.CFN: "template.yaml"},
    fallback=True,
    preloaded=False,  # cfn-lint's import holds 57 MB: see Input
    since="0.1.0",
)
