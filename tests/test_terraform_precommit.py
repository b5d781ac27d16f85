"""The pre-commit run of one changed Terraform file: what it imports and which process
analyses the module's other files. It may only change speed: the result is the one-process
result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.inputs import file_parser_modules, parser_modules
from scanner.pipeline.engine import scan
from scanner.run import headstart
from tests.conftest import write

MODULE = {
    "pyproject.toml": "[tool.dsql-scan]\n",
    "infra/main.tf": (
        'resource "aws_rds_cluster" "main" {\n'
        "  engine          = var.engine\n"
        '  master_username = "app"\n'
        "}\n"
    ),
    "infra/variables.tf": 'variable "engine" {\n  default = "aurora-postgresql"\n}\n',
    "infra/outputs.tf": 'output "endpoint" {\n  value = aws_rds_cluster.main.endpoint\n}\n',
    "infra/network.tf": (
        'resource "aws_security_group" "db" {\n'
        "  ingress {\n"
        "    from_port = 5432\n"
        "    to_port   = 5432\n"
        '    protocol  = "tcp"\n'
        "  }\n"
        "}\n"
    ),
    "app/handler.py": "def handler(event, context):\n    return event\n",
}

# One changed file, the cache warm for the rest, in a child process (as the hook runs): which
# parser modules this process imported, and what it found.
PROBE = """
import json, sys
from pathlib import Path
from scanner.config import load
from scanner.pipeline.engine import scan
root = Path(sys.argv[1])
config = load(str(root / "pyproject.toml"))
jobs = int(sys.argv[2])
changed = root / "infra" / "main.tf"
result = scan((str(changed),), config, jobs=jobs, cache_dir=root / "c")
print(json.dumps({
    "hcl2": "hcl2" in sys.modules,
    "cfnlint": "cfnlint" in sys.modules,
    "findings": sorted((f.rule, f.location.path, f.location.line) for f in result.findings),
}))
"""


def _probe(root: Path, jobs: int) -> dict:
    """The cache is made warm here, main.tf changed, and the one-file run done by the child."""
    scan((str(root),), Config(root=root), jobs=1, cache_dir=root / "c")
    changed = root / "infra" / "main.tf"
    changed.write_text(changed.read_text() + "# touched\n")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), str(jobs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_tf_file_needs_no_json_decoder_and_a_tf_json_file_does():
    tf = file_parser_modules([("terraform", Path("infra/main.tf"))])
    assert "hcl2.api" in tf and not any(m.startswith("cfnlint") for m in tf)
    json_file = file_parser_modules([("terraform", Path("infra/main.tf.json"))])
    assert json_file == parser_modules(["terraform"])
    assert "cfnlint.decode.cfn_json" in json_file


def test_the_head_start_imports_what_the_named_files_need(tmp_path):
    root = write(tmp_path, {**MODULE, "infra/extra.tf.json": '{"locals": {"a": 1}}\n'})
    main = str(root / "infra" / "main.tf")
    names = headstart.named_inputs([main])
    assert names == {"terraform"}
    assert not any(m.startswith("cfnlint") for m in headstart._modules([main], names))
    both = [main, str(root / "infra" / "extra.tf.json")]
    assert "cfnlint.decode.cfn_json" in headstart._modules(both, names)


def test_the_worker_analyses_the_changed_files_module_and_the_result_is_the_same(tmp_path):
    """With a worker (jobs=2) the changed file and its module's other files, whose cached
    analyses it made stale, are analysed in the worker: this process imports no HCL parser.
    Without one (jobs=1) everything is analysed here. Both find the same."""
    alone = _probe(write(tmp_path / "one", MODULE), jobs=1)
    shared = _probe(write(tmp_path / "two", MODULE), jobs=2)
    assert alone["hcl2"] and not shared["hcl2"]
    assert not alone["cfnlint"] and not shared["cfnlint"]
    assert shared["findings"] == alone["findings"]
    assert ["RDS001", "infra/main.tf", 1] in alone["findings"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_one_file_run_reports_what_the_whole_scan_reports_for_that_file(tmp_path, jobs):
    root = write(tmp_path, MODULE)
    config = Config(root=root)
    whole = scan((str(root),), config, jobs=1, cache_dir=root / "c")
    (root / "infra" / "variables.tf").write_text(MODULE["infra/variables.tf"] + "# touched\n")
    one = scan((str(root / "infra" / "variables.tf"),), config, jobs=jobs, cache_dir=root / "c")
    (root / "infra" / "main.tf").write_text(MODULE["infra/main.tf"] + "# touched\n")
    named = scan((str(root / "infra" / "main.tf"),), config, jobs=jobs, cache_dir=root / "c")

    def in_main(findings) -> list[tuple[str, int]]:  # the file rules' findings in main.tf
        return [
            (f.rule, f.location.line)
            for f in findings
            if f.location.path == "infra/main.tf" and f.rule.startswith("RDS")
        ]

    assert in_main(named.findings) == in_main(whole.findings) == [("RDS001", 1), ("RDS003", 2)]
    assert in_main(one.findings) == []
