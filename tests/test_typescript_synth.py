"""End to end with the real thing: the TypeScript example CDK apps synthesized by aws-cdk-lib.

The TypeScript flavour of the examples (``examples/*/cdk-ts``, ``examples/*/app-ts``) holds the
same service as the Python one: the legacy app in two stacks (the data stack's Aurora cluster,
secret and proxy passed to the service stack through its props), the migrated one with its one
DSQL cluster. Each app is compiled by the pinned ``tsc`` and run on ``node`` with the pinned
aws-cdk-lib from npm (``make node`` installs them into ``.node/``), as
``scripts/synth_examples.py`` does, into a temporary cdk.out next to a copy of its source. The
cdk.out shipped with the examples (what ``make demo`` scans) must match a fresh synth, so it
cannot go stale silently, and the templates alone must show the residue the source holds.

With the TypeScript input, the installed ``dsql-scan`` then scans the source and that output
together: every RDS construct of the legacy source must be reported in both, with the template
finding linked back to the source line; the migrated app with its application code must be
clean. Those tests skip until ``scanner/inputs/typescript`` exists.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_cli

SCRIPT = ROOT / "scripts" / "synth_examples.py"
CONSTRUCT_RULES = ("RDS001", "RDS002", "RDS004")
VARIANTS = ("legacy", "migrated")
# A new language is read only with --preview while it is in preview; the flag is harmless after.
PREVIEW = ("--preview",)


def _load_script():
    """scripts/synth_examples.py, the one place that says how a TypeScript app is synthesized."""
    spec = importlib.util.spec_from_file_location("synth_examples", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synth_examples = _load_script()
pytestmark = pytest.mark.skipif(
    bool(synth_examples.typescript_unavailable()),
    reason=synth_examples.typescript_unavailable() or "available",
)


def _typescript_input() -> bool:
    """Whether this checkout reads TypeScript (the input lands on its own branch)."""
    return (ROOT / "scanner" / "inputs" / "typescript" / "__init__.py").is_file()


needs_typescript_input = pytest.mark.skipif(
    not _typescript_input(), reason="scanner/inputs/typescript does not exist yet"
)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> dict[str, Path]:
    """Each example app copied to a project of its own (the migrated one with its application
    code) and synthesized into its cdk.out; the compiled JavaScript stays outside the project."""
    out = {}
    for variant in VARIANTS:
        project = tmp_path_factory.mktemp(variant)
        parts = ("cdk-ts", "app-ts") if variant == "migrated" else ("cdk-ts",)
        for part in parts:
            shutil.copytree(
                EXAMPLES / variant / part, project / part, ignore=shutil.ignore_patterns("cdk.out")
            )
        app = project / "cdk-ts"
        synth_examples.synth_typescript(app, app / "cdk.out", tmp_path_factory.mktemp("build"))
        assert list((app / "cdk.out").glob("*.template.json")), "synth wrote no template"
        out[variant] = project
    return out


def scan(project: Path, *paths: str) -> tuple[int, list[dict]]:
    """What the installed command finds in ``paths`` of the project (all of it by default)."""
    run = run_cli("scan", *(paths or (".",)), "--format", "json", *PREVIEW, cwd=project)
    assert run.code in (0, 1), run.stderr
    return run.code, run.json()["findings"]


def test_synth_writes_nothing_next_to_the_source(synthesized):
    """Compiled JavaScript next to the source would be scanned too (and found twice)."""
    for project in synthesized.values():
        written = sorted(p.relative_to(project) for p in project.rglob("*.js"))
        assert written == []
        assert not (project / "cdk-ts" / "node_modules").exists()


def test_legacy_templates_show_every_kind_of_residue(synthesized):
    """The synthesized templates alone: the residue of both stacks, passed between them."""
    code, findings = scan(synthesized["legacy"], "cdk-ts/cdk.out")
    assert code == 1
    rules = {f["rule"] for f in findings}
    assert rules >= {f"RDS00{n}" for n in range(1, 9)}
    by_stack = {f["path"].rsplit("/", 1)[-1] for f in findings if f["rule"] == "RDS008"}
    # the endpoint output in the data stack; the environment of the service stack's function
    assert by_stack == {"LedgerDataStack.template.json", "LedgerServiceStack.template.json"}


def test_migrated_templates_are_clean(synthesized):
    code, findings = scan(synthesized["migrated"], "cdk-ts/cdk.out")
    assert (code, findings) == (0, [])


@needs_typescript_input
def test_every_legacy_rds_construct_is_found_in_source_and_template_and_linked(synthesized):
    code, findings = scan(synthesized["legacy"])
    assert code == 1
    sources = {"cdk-ts/lib/data-stack.ts", "cdk-ts/lib/service-stack.ts", "cdk-ts/bin/app.ts"}
    in_source = {
        (f["path"], f["rule"], f["line"])
        for f in findings
        if f["path"] in sources and f["rule"] in CONSTRUCT_RULES
    }
    templates = [f for f in findings if f["path"].endswith(".template.json")]
    linked = {
        (f["source_path"], f["rule"], f["source_line"])
        for f in templates
        if f.get("source_path") in sources
    }
    # cluster, writer, reader, subnet group, proxy
    assert len(in_source) == 5
    assert in_source <= linked
    unlinked = [f for f in templates if f.get("construct_path") and not f.get("source_path")]
    assert unlinked == []
    # The synthesized templates show every kind of residue the source does.
    assert {f["rule"] for f in templates} == {f"RDS00{n}" for n in range(1, 9)}


@needs_typescript_input
def test_migrated_app_and_application_code_are_clean(synthesized):
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
    shipped = EXAMPLES / variant / "cdk-ts" / "cdk.out"
    assert resources(shipped) == resources(synthesized[variant] / "cdk-ts" / "cdk.out"), (
        f"{shipped} is stale: run `make synth-examples`"
    )
    assert len(resources(shipped)) == 2  # two stacks, props between them
    assert (shipped / "manifest.json").is_file()
