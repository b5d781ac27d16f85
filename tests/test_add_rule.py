"""scripts/add_rule.py writes a rule module the catalogue can load and a fixture pair per kind."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "add_rule.py"


def _run(tmp_path, *args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )


def _load(path):
    spec = importlib.util.spec_from_file_location("scaffolded_rule", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scaffolds_a_loadable_rule_and_its_fixtures(tmp_path):
    (tmp_path / "rules" / "rds").mkdir(parents=True)
    done = _run(
        tmp_path, "RDS090", "rds-proxy-left", "--reads", "resources", "--severity", "error",
        "--requirement", "FR-001", "--title", "An RDS Proxy is still declared",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    module = tmp_path / "rules" / "rds" / "rds090_rds_proxy_left.py"
    assert done.stdout.splitlines()[0] == "rules/rds/rds090_rds_proxy_left.py"
    declared = _load(module).RULE
    assert (declared.id, declared.name, declared.reads) == (
        "RDS090",
        "rds-proxy-left",
        ("resources",),
    )
    assert declared.kinds == ("cfn", "cdk")  # derived from the inputs that produce resources
    assert {e.kind for e in declared.examples} == {"cfn", "cdk"}
    assert declared.requirements == ("FR-001",)
    fixtures = tmp_path / "tests" / "fixtures" / "rules" / "RDS090"
    assert sorted(p.name for p in fixtures.iterdir()) == [
        "clean.py", "clean.yaml", "fires.py", "fires.yaml",
    ]  # fmt: skip
    assert (fixtures / "fires.yaml").read_text().startswith("# dsql-scan-example: fires=1\n")
    assert (fixtures / "clean.py").read_text().startswith("# dsql-scan-example: fires=0\n")


def test_refuses_an_existing_id_and_unknown_facts(tmp_path):
    (tmp_path / "rules" / "rds").mkdir(parents=True)
    taken = _run(tmp_path, "RDS001", "again", "--reads", "resources")
    assert taken.returncode == 2 and "RDS001 exists already" in taken.stderr
    unknown = _run(tmp_path, "RDS091", "odd", "--reads", "policies")
    assert unknown.returncode == 2 and "not a FileFacts field: policies" in unknown.stderr
    assert not any((tmp_path / "rules" / "rds").iterdir())
