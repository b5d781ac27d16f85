"""cdk.out without path metadata: the source construct and its synthesized resource still link.

Every app here is synthesized by the real aws-cdk-lib, as ``python app.py`` with ``CDK_OUTDIR``,
once with the CLI's path metadata and once with ``aws:cdk:enable-path-metadata`` false; a third
copy of the latter loses ``manifest.json``, ``tree.json`` and the metadata files, so that only
CDK's logical-id algorithm over the source's construct ids is left. Whatever the evidence, a DSQL
cluster in source and in cdk.out is one cluster, and template findings name their source line.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from scanner.project.cdkpaths import (
    make_unique_id,
    manifest_paths,
    recover,
    tree_paths,
)
from tests.conftest import EXAMPLES, cdk_unavailable, run_cli, start_synth, write

pytestmark = pytest.mark.skipif(bool(cdk_unavailable()), reason=cdk_unavailable() or "available")

WITH_METADATA = {"aws:cdk:enable-path-metadata": True}
WITHOUT_METADATA = {"aws:cdk:enable-path-metadata": False}

# A second stack of the legacy app: its Aurora cluster sits one construct below the stack.
ARCHIVE_STACK = '''
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct


class ArchiveDatabase(Construct):
    """The archive's Aurora cluster, wrapped in a construct of its own."""

    def __init__(self, scope: Construct, construct_id: str, vpc: ec2.IVpc) -> None:
        super().__init__(scope, construct_id)
        self.cluster = rds.DatabaseCluster(
            self,
            "ArchiveAurora",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_16_4
            ),
            writer=rds.ClusterInstance.provisioned("writer"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        )


class ArchiveStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        vpc = ec2.Vpc(
            self,
            "archive-net",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                )
            ],
        )
        ArchiveDatabase(self, "Store", vpc)
'''

# The migrated example with its DSQL cluster one construct below the stack (an id with a dash).
LEDGER_STORE = """

class LedgerStore(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.cluster = dsql.CfnCluster(self, "Ledger-Dsql", deletion_protection_enabled=True)


class LedgerStack(Stack):"""
TOP_LEVEL_CLUSTER = 'dsql.CfnCluster(self, "LedgerDsql", deletion_protection_enabled=True)'


def _legacy_app(project: Path) -> None:
    _copy_example("legacy", project)
    write(project, {"archive_stack.py": ARCHIVE_STACK})
    app = (project / "app.py").read_text(encoding="utf-8")
    app = app.replace("app.synth()", 'ArchiveStack(app, "Archive")\napp.synth()')
    (project / "app.py").write_text("from archive_stack import ArchiveStack\n" + app, "utf-8")


def _copy_example(variant: str, project: Path) -> None:
    for source in (EXAMPLES / variant / "cdk").iterdir():
        if source.is_file():
            shutil.copy2(source, project / source.name)


def _nested_app(project: Path) -> None:
    _copy_example("migrated", project)
    stack = project / "ledger_stack.py"
    text = stack.read_text(encoding="utf-8")
    assert TOP_LEVEL_CLUSTER in text and "\n\nclass LedgerStack(Stack):" in text
    text = text.replace(TOP_LEVEL_CLUSTER, 'LedgerStore(self, "Store").cluster')
    stack.write_text(text.replace("\n\nclass LedgerStack(Stack):", LEDGER_STORE), "utf-8")


def _bare(project: Path, target: Path) -> Path:
    """The app with a cdk.out that kept only its templates (and the ``cdk.out`` marker)."""
    shutil.copytree(project, target, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("manifest.json", "tree.json"):
        (target / "cdk.out" / name).unlink()
    for extra in (target / "cdk.out").glob("*.metadata.json"):
        extra.unlink()
    return target


@pytest.fixture(scope="module")
def apps(tmp_path_factory) -> dict[str, Path]:
    """app name -> evidence ("metadata", "assembly", "bare") -> synthesized project."""
    makers = {
        "legacy": _legacy_app,
        "migrated": lambda project: _copy_example("migrated", project),
        "nested": _nested_app,
    }
    runs = []
    for name, make in makers.items():
        for evidence, context in (("metadata", WITH_METADATA), ("assembly", WITHOUT_METADATA)):
            if (name, evidence) == ("migrated", "metadata"):
                continue  # test_cdk_synth covers the example with path metadata
            project = tmp_path_factory.mktemp(f"{name}-{evidence}")
            make(project)
            # a configured project: naming one file scans it with the rest as context
            write(project, {"pyproject.toml": "[tool.dsql-scan]\n"})
            runs.append((f"{name}/{evidence}", project, start_synth(project, context)))
    out = {}
    for key, project, process in runs:
        _, errors = process.communicate(timeout=900)
        assert process.returncode == 0, errors[-4000:]
        out[key] = project
    for key in [k for k in out if k.endswith("/assembly")]:
        name = key.split("/")[0]
        out[f"{name}/bare"] = _bare(out[key], tmp_path_factory.mktemp(name) / "bare")
    return out


def _tree_logical_ids(cdk_out: Path) -> dict[str, tuple[str, ...]]:
    """logical id -> path components below the stack, as the synth's tree.json records them."""
    found = {}
    for stack, ids in tree_paths(cdk_out).items():
        for logical_id, path in ids.items():
            found[logical_id] = tuple(path.split("/")[len(stack.split("/")) :])
    return found


def _without_default(components: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c for c in components if c != "Default")


def test_make_unique_id_reproduces_every_logical_id_cdk_gave(apps):
    ids = {}
    for key in ("legacy/assembly", "nested/assembly", "migrated/assembly"):
        ids.update(_tree_logical_ids(apps[key] / "cdk.out"))
    overridden = {i for i in ids if i.startswith("LedgerStackOrbitAuroraSecret")}  # DatabaseSecret
    assert len(ids) > 40 and len(overridden) == 1
    mismatched = {i: c for i, c in ids.items() if i not in overridden and make_unique_id(c) != i}
    assert mismatched == {}
    # the shapes the algorithm distinguishes all occur in these synths
    assert any(len(_without_default(c)) == 1 for c in ids.values())  # top-level L1, kept as is
    assert any("Default" in c and len(c) > 1 for c in ids.values())  # 'Default' dropped
    assert any(c[-1:] == ("Resource",) for c in ids.values())  # 'Resource' only in the hash
    assert any(any(not part.isalnum() for part in c) for c in ids.values())  # 'archive-net'


def test_recovered_paths_are_the_paths_cdk_used(apps):
    ids = {}
    for key in ("legacy/assembly", "nested/assembly"):
        ids.update(_tree_logical_ids(apps[key] / "cdk.out"))
    vocabulary = [
        "LedgerVpc", "DatabaseSecurityGroup", "LedgerSubnets", "OrbitAurora", "LedgerProxy",
        "LedgerApi", "LedgerWorker", "ArchiveAurora", "Store", "archive-net", "Ledger-Dsql",
    ]  # fmt: skip
    recovered = {i: recover(i, vocabulary) for i in ids}
    wrong = {
        i: (found, ids[i])
        for i, found in recovered.items()
        if found is not None and _without_default(found) != _without_default(ids[i])
    }
    assert wrong == {}
    for logical_id in ("OrbitAuroraCE89532C", "StoreArchiveAurora", "StoreLedgerDsql"):
        assert any(i.startswith(logical_id) and recovered[i] for i in ids), logical_id


def test_a_name_alone_never_recovers_a_path():
    """The hash decides: the right words with a wrong suffix, or an unknown id, find nothing."""
    assert recover("StoreLedgerDsql" + make_unique_id(["Store", "Ledger-Dsql"])[-8:], []) is None
    right = make_unique_id(["Store", "Ledger-Dsql"])
    assert recover(right, ["Store", "Ledger-Dsql"]) == ("Store", "Ledger-Dsql")
    wrong = right[:-1] + ("0" if right[-1] != "0" else "1")
    assert recover(wrong, ["Store", "Ledger-Dsql"]) is None
    assert recover("StoreLedgerDsql", ["Store", "Ledger-Dsql"]) is None  # no hash, no single id


def test_assembly_records_agree_with_path_metadata(apps):
    """manifest.json's logicalId metadata and tree.json give the paths aws:cdk:path gives."""
    for name in ("legacy", "nested"):
        with_metadata = apps[f"{name}/metadata"] / "cdk.out"
        expected = {}
        for template in sorted(with_metadata.glob("*.template.json")):
            resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
            expected[template.name] = {
                logical_id: resource["Metadata"]["aws:cdk:path"]
                for logical_id, resource in resources.items()
                if "aws:cdk:path" in resource.get("Metadata", {})
            }
        assembly = apps[f"{name}/assembly"] / "cdk.out"
        recorded = manifest_paths(assembly)
        for template, paths in expected.items():
            assert {k: recorded[template][k] for k in paths} == paths
            stack = template.removesuffix(".template.json")
            assert {k: tree_paths(assembly)[stack][k] for k in paths} == paths
        for template in assembly.glob("*.template.json"):
            assert "aws:cdk:path" not in template.read_text(encoding="utf-8")


def _scan(project: Path, *paths: str) -> tuple[int, list[dict]]:
    run = run_cli("scan", *(paths or (".",)), "--format", "json", cwd=project)
    assert run.code in (0, 1), run.stderr
    return run.code, run.json()["findings"]


@pytest.mark.parametrize("evidence", ["assembly", "bare"])
@pytest.mark.parametrize("name", ["migrated", "nested"])
def test_migrated_cluster_counts_once_without_path_metadata(apps, name, evidence):
    project = apps[f"{name}/{evidence}"]
    assert _scan(project) == (0, [])
    # one file named, the rest context (pre-commit): the cluster still counts once
    assert _scan(project, "ledger_stack.py") == (0, [])
    review = run_cli("review", ".", "-o", str(project / "review.md"), cwd=project)
    document = (project / "review.md").read_text(encoding="utf-8")
    # the one cluster passes FR-001; an app without application code leaves the health check
    # (FR-004) not evidenced, and the verdict says so rather than PASS
    assert re.search(r"^\| FR-001 \| \*\*PASS\*\* \|", document, flags=re.M), document
    assert review.code == 1, review.stdout + review.stderr
    assert "**Verdict: NOT EVIDENCED**" in document
    assert "FR-004 (no application code in scope)" in document


def _linked(findings: list[dict]) -> dict[str, tuple[str, str, int]]:
    """fingerprint -> (construct path, source path, source line) of each template finding."""
    return {
        f["fingerprint"]: (
            f.get("construct_path", ""),
            f.get("source_path", ""),
            f.get("source_line", 0),
        )
        for f in findings
        if f["path"].endswith(".template.json")
    }


def test_legacy_template_findings_name_their_source_line_without_path_metadata(apps):
    _, reference = _scan(apps["legacy/metadata"])
    expected = _linked(reference)
    in_source = {(f["rule"], f["path"], f["line"]) for f in reference if f["path"].endswith(".py")}
    lines = ARCHIVE_STACK.lstrip("\n").splitlines()
    cluster = next(n for n, text in enumerate(lines, 1) if "rds.DatabaseCluster(" in text)
    nested = [v for v in expected.values() if "/Store/ArchiveAurora/" in v[0] and v[1]]
    assert len(nested) >= 3 and all(v[1:] == ("archive_stack.py", cluster) for v in nested)
    assert ("RDS001", "archive_stack.py", cluster) in in_source
    for evidence in ("assembly", "bare"):
        _, findings = _scan(apps[f"legacy/{evidence}"])
        assert {
            (f["rule"], f["path"], f["line"]) for f in findings if f["path"].endswith(".py")
        } == in_source
        linked = _linked(findings)
        assert linked.keys() == expected.keys()
        if evidence == "assembly":  # the assembly's record is the metadata, moved
            assert linked == expected
            continue
        # without any record: every finding CDK's algorithm can name links to the same line
        sourced = {k: v for k, v in expected.items() if v[1]}
        recovered = {k: linked[k] for k in sourced if linked[k][1]}
        assert all(linked[k][1:] == sourced[k][1:] for k in recovered)
        assert {linked[k][1:] for k in recovered} == {v[1:] for v in sourced.values()}
        assert all(not v[1] for k, v in linked.items() if k not in recovered)
        # left out: only ids CDK built from text no construct id spells (an ingress rule's
        # "from <peer>:{IndirectPort}")
        spelled = {k for k, v in sourced.items() if re.fullmatch(r"[\w/-]+", v[0])}
        assert spelled <= recovered.keys() and len(recovered) > 20
        # one template named (pre-commit), the source only context: the same lines
        _, named = _scan(apps["legacy/bare"], "cdk.out/Archive.template.json")
        archive = {k: v for k, v in linked.items() if v[0].startswith("Archive/")}
        assert archive and _linked(named) == archive
