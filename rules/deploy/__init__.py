"""DEPLOY: would the templates deploy at all (FR-005)?

The other families judge what a template says about databases; none of them can tell whether
CloudFormation would accept it. cfn-lint can: its error-level rules check every resource against
CloudFormation's schemas. These rules report what it finds on every template in scope
(templates and synthesized ``cdk.out`` stacks), read from the template's facts
(``TemplateDiagnostic``, filled in by ``scanner.inputs.cloudformation.validate``, which runs
cfn-lint once per template for DSQL009/DSQL010 too: errors on DSQL resources stay theirs).

cfn-lint's full rule set costs about twenty times our own template analysis, so the family is
opt-in for ``scan`` (``--extend-select DEPLOY``) and always on in ``review``.
"""

from scanner.rules.deploy._common import LINT_RULES

__all__ = ["LINT_RULES"]
