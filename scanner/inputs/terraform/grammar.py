"""python-hcl2's parser, built and run once when this module is imported.

The parser's first use loads the grammar's tables (about 0.15 s), and its first parses build
the lexers of the states they reach (a few hundredths more). Listed among the Terraform input's
modules, this module is imported where the others are: before a pool of workers is forked (each
inherits what was built) and by the console script's head start, while the main process is
still starting, so that a one-file run's parses do not wait for either.
"""

from hcl2.api import parses_to_tree
from hcl2.parser import parser

# What a configuration is made of: comments, blocks in blocks, attributes, every kind of
# expression (interpolations and directives, heredocs, for, splats, operators, calls).
WARM_UP = """# a comment
// another
/* and a block comment */
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}
variable "x" {
  type    = map(object({ a = string, b = optional(number, 1) }))
  default = {}
}
locals {
  a = var.x == null ? [for k, v in var.x : upper(k) if v != ""] : { for k in ["a"] : k => k... }
  b = "${local.c}-%{if true}yes%{else}no%{endif}"
  c = <<-EOT
    text ${var.x}
  EOT
  d = [1, 2.5, -3, true, null, aws_s3_bucket.b[*].id, module.m.out[0]["k"]]
  e = !false && (1 + 2 * 3 / 4 % 5 - 6 > 7 || 8 <= 9)
}
resource "aws_s3_bucket" "b" {
  count  = 1
  bucket = "name"
  dynamic "rule" {
    for_each = local.d
    content { id = rule.value }
  }
  lifecycle { ignore_changes = [tags] }
}
"""

parser()
parses_to_tree(WARM_UP)
