"""A Terraform module is read as a whole: its other files, its tfvars and the local modules it
calls decide what one file means. All of that is pull-request content, so none of it may read
outside the scanned tree, hang the run, crash it, or leave a stale cached result behind.

Every test runs the installed ``dsql-scan`` with a time and memory limit (tests/limits.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import write
from tests.limits import assert_no_traceback, run_limited

CLUSTER = 'resource "aws_rds_cluster" "main" {\n  engine = "aurora-postgresql"\n}\n'
OUTPUT = 'output "endpoint" {\n  value = aws_rds_cluster.main.endpoint\n}\n'
CONSUMER = """module "db" {
  source = "{source}"
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  environment {
    variables = {
      DB_HOST = module.db.endpoint
    }
  }
}
"""


def _findings(root: Path, *paths: str) -> list[tuple[str, str, int]]:
    run = run_limited("scan", *(paths or (".",)), "--format", "json", "--no-cache", cwd=root)
    assert_no_traceback(run)
    return sorted((f["rule"], f["path"], f["line"]) for f in run.json()["findings"])


def test_a_local_module_inside_the_tree_is_followed(tmp_path):
    """The positive twin of the next test: the same wiring, the module inside the root."""
    root = write(
        tmp_path,
        {"infra/main.tf": CONSUMER.replace("{source}", "../modules/db"),
         "modules/db/main.tf": CLUSTER + OUTPUT},
    )  # fmt: skip
    assert ("RDS008", "infra/main.tf", 9) in _findings(root, "infra")


def test_a_module_source_outside_the_tree_is_never_read(tmp_path):
    outside = write(tmp_path / "outside", {"main.tf": CLUSTER + OUTPUT})
    root = write(tmp_path / "repo", {"main.tf": CONSUMER.replace("{source}", "../outside")})
    os.symlink(outside, root / "linked")
    write(root, {"via-link.tf": CONSUMER.replace("{source}", "./linked").replace('"db"', '"l"')})
    found = _findings(root)
    # the module's output is unknown: no RDS008 from a value read outside the tree
    assert not [f for f in found if f[0] == "RDS008"], found
    assert all("outside" not in f[1] for f in found)


def test_a_symlinked_file_is_no_part_of_its_module(tmp_path):
    outside = write(
        tmp_path / "outside",
        {"variables.tf": 'variable "engine" {\n  default = "aurora-postgresql"\n}\n'},
    )
    root = write(
        tmp_path / "repo",
        {"main.tf": 'resource "aws_rds_cluster" "main" {\n  engine = var.engine\n}\n'},
    )
    os.symlink(outside / "variables.tf", root / "variables.tf")
    found = _findings(root)
    assert ("RDS001", "main.tf", 1) in found
    assert not [f for f in found if f[0] == "RDS003"], found  # the default was not read


def test_values_defined_through_each_other_cost_bounded_time(tmp_path):
    locals_ = ["locals {"]
    for index in range(60):
        locals_.append(f"  v{index} = [local.v{index + 1}, local.v{index + 1}, local.v{index + 1}]")
    locals_.append("  v60 = local.v0")
    locals_.append("}")
    text = "\n".join(locals_) + "\n" + CLUSTER.replace('"aurora-postgresql"', "local.v0[0]")
    root = write(tmp_path, {"main.tf": text})
    run = run_limited("scan", ".", "--format", "json", "--no-cache", cwd=root, seconds=60)
    assert_no_traceback(run)
    rules = [f["rule"] for f in run.json()["findings"]]
    assert "RDS001" in rules and "RDS003" not in rules  # unknown, never guessed


def test_modules_that_call_each_other_end(tmp_path):
    root = write(
        tmp_path,
        {"a/main.tf": CONSUMER.replace("{source}", "../b"),
         "b/main.tf": CONSUMER.replace("{source}", "../a") + OUTPUT.replace("aws_rds_cluster.main.endpoint", "module.db.endpoint")},
    )  # fmt: skip
    run = run_limited("scan", ".", "--format", "json", "--no-cache", cwd=root, seconds=60)
    assert_no_traceback(run)
    assert run.code == 0, run.stdout


def test_bad_files_are_findings_and_the_rest_is_scanned(tmp_path):
    deep = "x = " + "[" * 400 + "]" * 400 + "\n"
    root = write(
        tmp_path,
        {"deep.tf": deep, "broken.tf": 'resource "aws_rds_cluster" {\n  engine = \n}\n',
         "cluster.tf": CLUSTER},
    )  # fmt: skip
    (root / "binary.tf").write_bytes(b"\x00\x01resource")
    (root / "latin1.tf").write_bytes('# caf\xe9\nresource "x" "y" {}\n'.encode("latin-1"))
    run = run_limited("scan", ".", "--format", "json", "--no-cache", cwd=root, seconds=60)
    assert_no_traceback(run)
    found = {(f["rule"], f["path"]): f for f in run.json()["findings"]}
    assert "nested too deeply" in found[("SCAN001", "deep.tf")]["message"]
    assert found[("SCAN001", "broken.tf")]["line"] == 2
    assert ("SCAN001", "binary.tf") in found and ("SCAN001", "latin1.tf") in found
    # the module's broken neighbours do not stop the cluster from being judged
    assert ("RDS001", "cluster.tf") in found and ("RDS003", "cluster.tf") in found


def test_a_changed_neighbour_changes_a_cached_result(tmp_path):
    """main.tf's bytes are the same in both runs; its variables file is not."""
    root = write(
        tmp_path,
        {"main.tf": 'resource "aws_rds_cluster" "main" {\n  engine = var.engine\n}\n',
         "variables.tf": 'variable "engine" {\n  default = "aurora-postgresql"\n}\n',
         "pyproject.toml": "[tool.dsql-scan]\n"},
    )  # fmt: skip

    def rules() -> list[str]:
        run = run_limited("scan", ".", "--format", "json", cwd=root)
        assert_no_traceback(run)
        return sorted(f["rule"] for f in run.json()["findings"])

    assert "RDS003" in rules()
    assert (root / ".dsql-scan-cache").is_dir()  # the second run reads main.tf's entry
    write(root, {"variables.tf": 'variable "engine" {\n  default = "postgres"\n}\n'})
    assert "RDS003" not in rules()
    write(root, {"terraform.tfvars": 'engine = "aurora-mysql"\n'})
    assert "RDS003" in rules()
