"""Issue 18 acceptance: a legacy TypeScript CDK app and TypeScript API, in three states.

tests/fixtures/typescript/multistack holds one ledger app (the TypeScript twin of
tests/fixtures/multistack) as legacy, half-migrated and migrated: network, database, analytics
and API stacks in modules of their own, values passed between them through props interfaces
(``props.cluster``, ``props.dbSecret``, destructured and renamed props), public readonly stack
fields and the constructor arguments in ``bin/app.ts``, a function factory taking its options as
one props object, and the API's own code under ``lambda/``. ``common/`` holds the files the
states share; each state's directory adds or replaces its own. The installed ``dsql-scan``
scans each state with ``--preview``: every finding must be one that expected.yaml records (rule,
file, line and column) and nothing else; the analytics stack's DocumentDB, Neptune, EKS and
Redshift constructs are the negative controls.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "typescript" / "multistack"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
STATES = ("legacy", "half", "migrated")
EPOCH = "1767225600"  # a fixed review date


def state_tree(state: str, destination: Path) -> Path:
    """The app in one state: the files every state shares, then the state's own."""
    shutil.copytree(FIXTURES / "common", destination)
    shutil.copytree(FIXTURES / state, destination, dirs_exist_ok=True)
    return destination


def fixture_file(state: str, path: str) -> Path:
    own = FIXTURES / state / path
    return own if own.is_file() else FIXTURES / "common" / path


@pytest.fixture(scope="module")
def apps(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ts-multistack")
    return {state: state_tree(state, root / state) for state in STATES}


_SCANS: dict[Path, tuple[int, list[dict]]] = {}


def scan(directory: Path) -> tuple[int, list[dict]]:
    """The installed command's JSON findings for the whole app (once per app and session)."""
    if directory not in _SCANS:
        run = run_cli("scan", ".", "--preview", "--no-cache", "--format", "json", cwd=directory)
        assert run.code in (0, 1), run.stderr
        _SCANS[directory] = (run.code, run.json()["findings"])
    return _SCANS[directory]


def keys(findings: list[dict]) -> Counter:
    return Counter((f["rule"], f["path"], f["line"], f["column"]) for f in findings)


def expected_keys(state: str) -> Counter:
    return Counter((rule, path, line, column) for rule, path, line, column, _ in EXPECTED[state])


def describe(found: Counter) -> list[str]:
    return sorted(
        f"{rule} {path}:{line}:{column} x{n}" for (rule, path, line, column), n in found.items()
    )


@pytest.mark.parametrize("state", STATES)
def test_expected_places_are_real_places_of_the_fixture(state):
    """The recorded line and column are code: a fixture edit that moves one must update
    expected.yaml."""
    for _rule, path, line, column, _why in EXPECTED[state]:
        lines = fixture_file(state, path).read_text(encoding="utf-8").splitlines()
        assert 1 <= line <= len(lines), f"{state}/{path}:{line}"
        assert lines[line - 1][column - 1 :].strip(), f"{state}/{path}:{line}:{column}"


@pytest.mark.parametrize("state", STATES)
def test_findings_are_exactly_the_recorded_ones(apps, state):
    code, findings = scan(apps[state])
    expected, found = expected_keys(state), keys(findings)
    assert describe(found - expected) == [], "reported but not expected"
    assert describe(expected - found) == [], "expected but not reported"
    assert code == (1 if expected else 0)


@pytest.mark.parametrize("state", STATES)
def test_every_typescript_file_is_read(apps, state):
    """No file of the app is skipped or fails: the findings above come from all of it."""
    run = run_cli("scan", ".", "--preview", "--no-cache", cwd=apps[state])
    sources = sorted(p for p in apps[state].rglob("*.ts"))
    assert f"{len(sources)} file(s) scanned" in run.stdout, run.stdout[-800:]
    assert "SCAN001" not in run.stdout


def test_values_crossing_stacks_name_where_they_come_from(apps):
    """DB_HOST in the API stack is the destructured ``props.cluster``, which bin/app.ts set to
    the database stack's public readonly ``cluster``: the message says so."""
    _, findings = scan(apps["legacy"])
    (host,) = [f for f in findings if f["rule"] == "RDS008" and "'DB_HOST'" in f["message"]]
    assert (host["path"], host["line"]) == ("lib/api-stack.ts", 19)
    assert "Ledger.cluster_endpoint.hostname" in host["message"]
    assert "DatabaseStack.cluster in lib/database-stack.ts" in host["message"]


def test_health_check_through_a_helper_is_judged_and_the_gap_named(apps):
    """half: healthCheck() reaches SELECT 1 through probe(), which logs only the failure."""
    _, findings = scan(apps["half"])
    (health,) = [f for f in findings if f["rule"] == "DSQL011"]
    assert (health["path"], health["line"]) == ("lambda/db.ts", 32)
    assert "health_check()" in health["message"] and "probe()" in health["message"]
    assert "never logs success" in health["message"]


@pytest.mark.parametrize("state", STATES)
def test_negative_controls_stay_silent(apps, state):
    _, findings = scan(apps[state])
    assert [f for f in findings if f["path"] == "lib/analytics-stack.ts"] == []


@pytest.mark.parametrize(
    ("state", "module"),
    [("legacy", "lib/api-stack.ts"), ("half", "lib/api-stack.ts"), ("legacy", "lambda/db.ts")],
)
def test_one_file_run_reports_that_modules_findings(apps, state, module):
    """What the pre-commit hook runs: one changed module, the rest of the app as context (the
    props and stack fields it reads are resolved in the other files)."""
    run = run_cli(
        "scan", "--preview", "--lenient-paths", "--format", "json", module, cwd=apps[state]
    )
    assert run.code == 1, run.stderr
    found = keys(f for f in run.json()["findings"] if f["path"] == module)
    expected = Counter({k: n for k, n in expected_keys(state).items() if k[1] == module})
    assert describe(found) == describe(expected)


def test_migrated_app_review_reads_every_source_and_misses_only_the_template(apps):
    """The migrated TypeScript app scans clean; its review reads every source file and holds
    back only FR-005, which needs the synthesized template (the shipped example with its
    cdk.out PASSes: tests/test_typescript_synth.py, make demo)."""
    project = apps["migrated"]
    assert scan(project)[0] == 0
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    review = run_cli("review", ".", "-o", "REVIEW.md", "--reviewer", "Ledger", cwd=project, env=env)
    document = (project / "REVIEW.md").read_text(encoding="utf-8")
    (project / "REVIEW.md").unlink()
    assert review.code == 1, review.stdout + review.stderr
    verdict = document[document.index("**Verdict: NOT EVIDENCED**") :].split("\n", 1)[0]
    assert "1 requirement(s) a static review must evidence are not evidenced: FR-005" in verdict
    assert "not read" not in document
    sources = sorted(p.relative_to(project).as_posix() for p in project.rglob("*.ts"))
    assert sources and all(f"| `{source}` | analysed" in document for source in sources)
