"""A module is lowered once per process for all of its files (``terraform.analyze._lowered``):
the facts of every file are the ones a lowering of its own would give, on real configurations,
and a module whose files or local modules changed is lowered again."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import Config
from scanner.inputs.terraform import analyze as terraform
from scanner.pipeline.analyze import analyze_files
from scanner.pipeline.discover import discover
from tests.conftest import EXAMPLES, ROOT, write

TREES = {
    "sample": ROOT / "tests" / "fixtures" / "terraform_corpus",
    "cases": ROOT / "tests" / "fixtures" / "terraform",
    "examples": EXAMPLES,
}


@pytest.fixture(autouse=True)
def no_earlier_lowering():
    terraform._lowered_modules.clear()
    yield
    terraform._lowered_modules.clear()


@pytest.mark.parametrize("tree", list(TREES))
def test_each_file_has_the_facts_of_a_lowering_of_its_own(tree):
    root = TREES[tree]
    config = Config(root=root)
    candidates = [c for c in discover((str(root),), config) if c.input == "terraform"]
    assert len(candidates) >= 10
    shared = analyze_files(candidates, config)
    assert len(terraform._lowered_modules) >= 1
    for candidate, analysis in zip(candidates, shared, strict=True):
        terraform._lowered_modules.clear()
        (alone,) = analyze_files([candidate], config)
        assert analysis == alone, candidate.rel


MODULE = {
    "main.tf": 'module "db" {\n  source = "./db"\n}\n',
    "app.tf": (
        'resource "aws_lambda_function" "app" {\n'
        '  function_name = "app"\n'
        "  environment {\n"
        "    variables = {\n"
        "      DB_HOST = module.db.endpoint\n"
        "    }\n"
        "  }\n"
        "}\n"
    ),
    "db/main.tf": 'resource "aws_rds_cluster" "main" {\n  engine = "aurora-postgresql"\n}\n',
}
ENDPOINT = 'output "endpoint" {\n  value = aws_rds_cluster.main.endpoint\n}\n'


def _rules(root: Path, name: str) -> list[str]:
    config = Config(root=root)
    (candidate,) = discover((str(root / name),), config)
    (analysis,) = analyze_files([candidate], config)
    return sorted(raw.rule for raw in analysis.raw)


def test_a_module_is_lowered_again_when_a_local_module_it_reads_changes(tmp_path):
    root = write(tmp_path, MODULE)
    assert _rules(root, "app.tf") == []  # the local module has no such output yet
    write(root, {"db/outputs.tf": ENDPOINT})  # a file added to the local module
    assert _rules(root, "app.tf") == ["RDS008"]
    write(root, {"db/outputs.tf": ENDPOINT.replace("aws_rds_cluster.main.endpoint", '"x"')})
    assert _rules(root, "app.tf") == []  # a file of it changed
    (root / "db" / "outputs.tf").unlink()
    write(root, {"db/main.tf": MODULE["db/main.tf"] + ENDPOINT})  # the same output, moved
    assert _rules(root, "app.tf") == ["RDS008"]


def test_a_module_is_lowered_again_when_one_of_its_own_files_changes(tmp_path):
    root = write(tmp_path, {**MODULE, "db/outputs.tf": ENDPOINT})
    assert _rules(root, "app.tf") == ["RDS008"]
    write(root, {"main.tf": 'module "db" {\n  source = "./elsewhere"\n}\n'})
    assert _rules(root, "app.tf") == []
