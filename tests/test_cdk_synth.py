"""End to end with the real thing: the example CDK apps synthesized by aws-cdk-lib.

Each app runs as the CDK CLI runs it (``python app.py`` with ``CDK_OUTDIR`` and the CLI's default
path-metadata context) into a temporary cdk.out. The installed ``dsql-scan`` then scans the
source and that output together: every RDS construct of the legacy source must be reported in
both, with the template finding linked back to the source line; the migrated app must be clean
in both. The cdk.out shipped with the examples (what ``make demo`` scans) must match a fresh
synth, so it cannot go stale silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, cdk_unavailable, run_cli

pytestmark = pytest.mark.skipif(bool(cdk_unavailable()), reason=cdk_unavailable() or "available")

CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True}
CONSTRUCT_RULES = ("RDS001", "RDS002", "RDS004")
VARIANTS = ("legacy", "migrated")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> dict[str, Path]:
    """Each example app copied to a project of its own and synthesized into its cdk.out."""
    out = {}
    for variant in VARIANTS:
        project = tmp_path_factory.mktemp(variant)
        for source in (EXAMPLES / variant / "cdk").iterdir():
            if source.is_file():
                shutil.copy2(source, project / source.name)
        env = {
            **os.environ,
            "CDK_OUTDIR": str(project / "cdk.out"),
            "CDK_CONTEXT_JSON": json.dumps(CLI_CONTEXT),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        proc = subprocess.run(
            [sys.executable, "app.py"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert proc.returncode == 0, proc.stderr[-4000:]
        assert list((project / "cdk.out").glob("*.template.json")), "synth wrote no template"
        out[variant] = project
    return out


def scan(project: Path) -> tuple[int, list[dict]]:
    """Source and fresh cdk.out together, as the project they form."""
    run = run_cli("scan", ".", "--format", "json", cwd=project)
    assert run.code in (0, 1), run.stderr
    return run.code, run.json()["findings"]


def test_every_legacy_rds_construct_is_found_in_source_and_template_and_linked(synthesized):
    code, findings = scan(synthesized["legacy"])
    assert code == 1
    stack = "ledger_stack.py"
    in_source = {
        (f["rule"], f["line"])
        for f in findings
        if f["path"] == stack and f["rule"] in CONSTRUCT_RULES
    }
    templates = [f for f in findings if f["path"].endswith(".template.json")]
    linked = {(f["rule"], f["source_line"]) for f in templates if f.get("source_path") == stack}
    # cluster, writer, reader, subnet group, proxy
    assert len(in_source) == 5
    assert in_source <= linked
    unlinked = [f for f in templates if f.get("construct_path") and not f.get("source_path")]
    assert unlinked == []
    # The synthesized template shows every kind of residue the source does.
    assert {f["rule"] for f in templates} == {f"RDS00{n}" for n in range(1, 9)}


def test_migrated_app_is_clean_in_source_and_template(synthesized):
    code, findings = scan(synthesized["migrated"])
    assert (code, findings) == (0, [])


def resources(cdk_out: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """template file -> logical id -> (type, construct path): the substance of a synth."""
    out = {}
    for template in sorted(cdk_out.glob("*.template.json")):
        document = json.loads(template.read_text(encoding="utf-8"))
        out[template.name] = {
            logical_id: (r["Type"], r.get("Metadata", {}).get("aws:cdk:path", ""))
            for logical_id, r in document.get("Resources", {}).items()
        }
    return out


@pytest.mark.parametrize("variant", VARIANTS)
def test_shipped_cdk_out_matches_a_fresh_synth(synthesized, variant):
    shipped = EXAMPLES / variant / "cdk" / "cdk.out"
    assert resources(shipped) == resources(synthesized[variant] / "cdk.out"), (
        f"{shipped} is stale: run `make synth-examples`"
    )
    assert (shipped / "manifest.json").is_file()
