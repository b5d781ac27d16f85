"""Issue 15 acceptance: a multi-stack CDK app split over modules, synthesized for real.

tests/fixtures/multistack holds one ledger app in three states (legacy, half, migrated): a
network, a database, an analytics and an API stack in modules of their own, values passed
between them as constructor keywords and a props dataclass, a function factory in a module of
its own and the Lambda's code. ``common/`` holds the files the states share; each state's
directory adds or replaces its own. Each state is synthesized with aws-cdk-lib as the CDK CLI runs an app
(``python app.py`` with ``CDK_OUTDIR`` and ``CDK_CONTEXT_JSON``), with and without path metadata,
and the installed ``dsql-scan`` scans the source with its cdk.out, the source alone and the
cdk.out alone. Every finding must be one that expected.yaml records (rule, file, line; template
findings by logical id, linked to their source line when the source is scanned too), and nothing
else: the analytics stack's DocumentDB, Neptune, EKS and Redshift constructs, DSQL values under
generic names and AURORA_* names carrying DSQL values are the negative controls.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, cdk_unavailable, run_cli, start_synth

pytestmark = pytest.mark.skipif(bool(cdk_unavailable()), reason=cdk_unavailable() or "available")

FIXTURES = ROOT / "tests" / "fixtures" / "multistack"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
RULE_IDS: dict[str, str] = EXPECTED["rule-ids"]
STATES = ("legacy", "half", "migrated")
METADATA = {"with": True, "without": False}
VIEWS = ("both", "source", "cdkout")
CONFIG = ".dsql-scan.yaml"
SYNTH_SECONDS = 600
EPOCH = "1767225600"  # a fixed review date, so the review's bytes depend on the code only


def state_tree(state: str, destination: Path) -> Path:
    """The app in one state: the files every state shares, then the state's own."""
    shutil.copytree(FIXTURES / "common", destination)
    shutil.copytree(FIXTURES / state, destination, dirs_exist_ok=True)
    return destination


def fixture_file(state: str, path: str) -> Path:
    own = FIXTURES / state / path
    return own if own.is_file() else FIXTURES / "common" / path


def _views(project: Path) -> dict[str, Path]:
    """The project as scanned three ways: source + cdk.out, the source alone, cdk.out alone
    (each with the app's configuration, so every view is judged as the same project)."""
    source = project.with_name(project.name + "-source")
    shutil.copytree(project, source, ignore=shutil.ignore_patterns("cdk.out"))
    cdkout = project.with_name(project.name + "-cdkout")
    cdkout.mkdir()
    shutil.copy2(project / CONFIG, cdkout / CONFIG)
    shutil.copytree(project / "cdk.out", cdkout / "cdk.out")
    return {"both": project, "source": source, "cdkout": cdkout}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> dict[tuple[str, str], dict[str, Path]]:
    """(state, metadata) -> view -> directory; the six synths run side by side."""
    root = tmp_path_factory.mktemp("multistack")
    running = {}
    for state in STATES:
        for metadata, enabled in METADATA.items():
            project = state_tree(state, root / f"{state}-{metadata}")
            running[(state, metadata)] = (
                project,
                start_synth(project, {"aws:cdk:enable-path-metadata": enabled}),
            )
    out = {}
    try:
        for key, (project, process) in running.items():
            _, stderr = process.communicate(timeout=SYNTH_SECONDS)
            assert process.returncode == 0, f"{key}: {stderr[-4000:]}"
            out[key] = _views(project)
    finally:  # a failed or timed-out synth leaves no other one running
        for _, process in running.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    for state in STATES:  # the source alone is the same files whatever the synth's context
        out[(state, "without")]["source"] = out[(state, "with")]["source"]
    return out


_SCANS: dict[Path, tuple[int, list[dict]]] = {}


def scan(directory: Path) -> tuple[int, list[dict]]:
    """The installed command's JSON findings for a whole view (once per view and session)."""
    if directory not in _SCANS:
        run = run_cli("scan", ".", "--format", "json", cwd=directory)
        assert run.code in (0, 1), run.stderr
        _SCANS[directory] = (run.code, run.json()["findings"])
    return _SCANS[directory]


def rule_id(name: str) -> str:
    return RULE_IDS.get(name, name)


def logical_id(finding: dict) -> str:
    """``/Resources/<id>/...`` or ``/Outputs/<name>/...`` -> the id."""
    parts = finding.get("pointer", "").split("/")
    return parts[2] if len(parts) > 2 else ""


def found_keys(findings: list[dict]) -> Counter:
    keys = Counter()
    for f in findings:
        if f["path"].startswith("cdk.out/"):
            keys[("template", f["rule"], f["path"].removeprefix("cdk.out/"), logical_id(f))] += 1
        else:
            keys[("at", f["rule"], f["path"], f["line"])] += 1
    return keys


def expected_keys(state: str, view: str) -> Counter:
    spec = EXPECTED[state]
    keys = Counter()
    if view in ("both", "source"):
        for rule, path, line, _why in spec["source"]:
            keys[("at", rule_id(rule), path, line)] += 1
    if view in ("both", "cdkout"):
        for rule, template, ident, _source, _why in spec["templates"]:
            keys[("template", rule_id(rule), template, ident)] += 1
    for rule, path, line, views, _why in spec["project"]:
        if view in views and path.startswith("cdk.out/"):  # line is the template's logical id
            keys[("template", rule_id(rule), path.removeprefix("cdk.out/"), line)] += 1
        elif view in views:
            keys[("at", rule_id(rule), path, line)] += 1
    return keys


def describe(keys: Counter) -> list[str]:
    return sorted(f"{' '.join(map(str, key))} x{count}" for key, count in keys.items())


@pytest.mark.parametrize("state", STATES)
def test_expected_lines_are_real_lines_of_the_fixture(state):
    """The recorded places exist: a fixture edit that moves a line must update expected.yaml."""
    spec = EXPECTED[state]
    places = [(path, line) for _rule, path, line, _why in spec["source"]]
    places += [
        (path, line)
        for _rule, path, line, _views, _why in spec["project"]
        if not path.startswith("cdk.out/")
    ]
    for _rule, _template, _ident, source, _why in spec["templates"]:
        if source:
            path, line = source.rsplit(":", 1)
            places.append((path, int(line)))
    for path, line in places:
        lines = fixture_file(state, path).read_text(encoding="utf-8").splitlines()
        assert 1 <= line <= len(lines) and lines[line - 1].strip(), f"{state}/{path}:{line}"


@pytest.mark.parametrize("metadata", METADATA)
@pytest.mark.parametrize("state", STATES)
def test_synth_crosses_stacks_and_keeps_path_metadata_only_when_asked(synthesized, state, metadata):
    cdk_out = synthesized[(state, metadata)]["both"] / "cdk.out"
    templates = {p.name: p.read_text(encoding="utf-8") for p in cdk_out.glob("*.template.json")}
    assert set(templates) == {
        "Network.template.json",
        "Database.template.json",
        "Analytics.template.json",
        "Api.template.json",
    }
    # The API stack receives the database stack's values as CDK cross-stack references.
    api = json.loads(templates["Api.template.json"])
    imports = [v for v in _leaves(api, "Fn::ImportValue") if str(v).startswith("Database:")]
    assert imports, "the API stack imports nothing from the database stack"
    with_paths = sorted(name for name, text in templates.items() if "aws:cdk:path" in text)
    assert with_paths == (sorted(templates) if METADATA[metadata] else [])


def _leaves(node: object, key: str) -> list[object]:
    """Every value of ``key`` anywhere in a JSON document (bounded by the document's depth)."""
    if isinstance(node, dict):
        found = [node[key]] if key in node else []
        return found + [v for child in node.values() for v in _leaves(child, key)]
    if isinstance(node, list):
        return [v for child in node for v in _leaves(child, key)]
    return []


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("metadata", METADATA)
@pytest.mark.parametrize("state", STATES)
def test_findings_are_exactly_the_recorded_ones(synthesized, state, metadata, view):
    code, findings = scan(synthesized[(state, metadata)][view])
    expected = expected_keys(state, view)
    found = found_keys(findings)
    assert describe(found - expected) == [], "reported but not expected"
    assert describe(expected - found) == [], "expected but not reported"
    assert code == (1 if expected else 0)


@pytest.mark.parametrize("metadata", METADATA)
@pytest.mark.parametrize("state", ("legacy", "half"))
def test_template_findings_name_their_source_line(synthesized, state, metadata):
    """With the source in the scan, a template finding names the line that created its
    construct, whether or not the templates carry aws:cdk:path."""
    _, findings = scan(synthesized[(state, metadata)]["both"])
    linked = {
        (f["rule"], f["path"].removeprefix("cdk.out/"), logical_id(f)): (
            f"{f.get('source_path')}:{f.get('source_line')}"
        )
        for f in findings
        if f["path"].startswith("cdk.out/")
    }
    wanted = {
        (rule_id(rule), template, ident): source
        for rule, template, ident, source, _why in EXPECTED[state]["templates"]
        if source
    }
    assert {key: linked.get(key) for key in wanted} == wanted


@pytest.mark.parametrize("metadata", METADATA)
def test_cross_stack_messages_say_what_the_value_resolves_to(synthesized, metadata):
    """DB_HOST in the API template is an ImportValue: the message names the RDS endpoint it
    resolves to and the export it came through."""
    _, findings = scan(synthesized[("legacy", metadata)]["cdkout"])
    hosts = [
        f
        for f in findings
        if f["rule"] == "RDS008" and f.get("pointer", "").endswith("/Variables/DB_HOST")
    ]
    assert len(hosts) == 1, "DB_HOST (an ImportValue of the RDS endpoint) is not reported"
    (host,) = hosts
    assert "LedgerB7379752" in host["message"]
    assert "Database's export" in host["message"]


@pytest.mark.parametrize("metadata", METADATA)
def test_health_check_through_a_helper_is_judged_and_the_gap_named(synthesized, metadata):
    """half: health_check() reaches SELECT 1 through _probe(), which logs only the failure."""
    _, findings = scan(synthesized[("half", metadata)]["source"])
    (health,) = [f for f in findings if f["rule"] == "DSQL011"]
    assert (health["path"], health["line"]) == ("lambda/db.py", 34)
    assert "health_check()" in health["message"]
    assert "never logs success" in health["message"]


@pytest.mark.parametrize("state", STATES)
def test_negative_controls_stay_silent(synthesized, state):
    """DocumentDB, Neptune, EKS and Redshift values under the same attribute names, and the
    Redshift credentials secret, are never residue, in the source or in the templates."""
    for metadata in METADATA:
        _, findings = scan(synthesized[(state, metadata)]["both"])
        noisy = [
            (f["rule"], f["path"], f["line"])
            for f in findings
            if f["path"] in ("infra/analytics.py", "cdk.out/Analytics.template.json")
        ]
        assert noisy == []


@pytest.mark.parametrize("metadata", METADATA)
def test_migrated_app_gets_a_passing_review_that_verifies(synthesized, metadata):
    project = synthesized[("migrated", metadata)]["both"]
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    review = run_cli(
        "review", ".", "-o", "REVIEW.md", "--reviewer", "Ledger Team", cwd=project, env=env
    )
    document = (project / "REVIEW.md").read_text(encoding="utf-8")
    assert review.code == 0, review.stdout + review.stderr
    assert "**Verdict: PASS**" in document
    verified = run_cli("verify", "REVIEW.md", cwd=project, env=env)
    assert verified.code == 0, verified.stdout + verified.stderr
    (project / "REVIEW.md").unlink()


def test_a_rescan_from_the_cache_is_byte_identical(synthesized):
    """Values that cross stacks and modules come out the same whether every file is analysed
    afresh or loaded from the result cache."""
    project = synthesized[("half", "without")]["both"]
    fresh = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=project)
    first = run_cli("scan", ".", "--format", "json", cwd=project)
    cached = run_cli("scan", ".", "--format", "json", cwd=project)
    assert fresh.code == first.code == cached.code
    assert fresh.stdout == first.stdout == cached.stdout


@pytest.mark.parametrize(
    ("state", "metadata", "module"),
    [
        ("legacy", "without", "infra/database.py"),
        ("half", "with", "infra/api.py"),
        ("migrated", "without", "infra/database.py"),
    ],
)
def test_one_file_run_reports_that_modules_findings(synthesized, state, metadata, module):
    """What the pre-commit hook runs: one changed stack module, the rest of the app (the other
    modules and its cdk.out) as context. Only the named module's findings are reported, with
    the project's own."""
    project = synthesized[(state, metadata)]["both"]
    run = run_cli("scan", "--lenient-paths", "--format", "json", module, cwd=project)
    assert run.code in (0, 1), run.stderr
    found = found_keys(run.json()["findings"])
    expected = Counter(
        {key: n for key, n in expected_keys(state, "both").items() if key[2] in (module, CONFIG)}
    )
    assert describe(found) == describe(expected)
    assert run.code == (1 if expected else 0)
