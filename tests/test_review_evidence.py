"""Runtime evidence in the review: JUnit XML from real pytest runs decides SC-002 and SC-003.

The test results are written by pytest itself (``--junitxml``) on small test modules: "before"
and "after" runs of one suite with a regression, and 100-call health-check loops with two
failures and with one. The installed ``dsql-scan review`` and ``verify`` run on a small
migrated project and their documents are read back.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scanner.review import evidence
from scanner.review.document import read
from scanner.rules.requirements import BY_REQUIREMENT
from tests.conftest import ROOT, run_cli, write
from tests.test_review import LEGACY, REVIEWER, assert_balanced, migrated_system
from tests.test_review_provenance import reseal
from tests.test_review_verdict import matrix, verdict

EPOCH = {"SOURCE_DATE_EPOCH": "1718000000"}

LEDGER_TESTS = """
def test_balance():
    assert 2 + 2 == 4

def test_transfer():
    assert sum([1, 2]) == 3

def test_statement():
    assert "ledger".upper() == "LEDGER"
"""
# after the migration: test_balance regressed
LEDGER_TESTS_AFTER = LEDGER_TESTS.replace("2 + 2 == 4", "2 + 2 == 5")

HEALTH_TESTS = """
import pytest

FAILING = {failing}

@pytest.mark.parametrize("call", range(100))
def test_health_check(call):
    assert call not in FAILING, "the health check did not answer"
"""


def pytest_junit(workdir: Path, source: str, output: Path) -> Path:
    """Run pytest on ``suite/test_ledger.py`` (``source``) in ``workdir``: its JUnit XML."""
    module = workdir / "suite" / "test_ledger.py"
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(textwrap.dedent(source))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={output}",
            "suite/test_ledger.py",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,  # a run with failures exits 1: its results are what is wanted
    )
    assert output.is_file()
    return output


@pytest.fixture(scope="module")
def junit(tmp_path_factory) -> dict[str, Path]:
    """The JUnit files of real pytest runs, by name."""
    work = tmp_path_factory.mktemp("runs")
    out = work / "results"
    out.mkdir()
    files = {
        "before": pytest_junit(work, LEDGER_TESTS, out / "before.xml"),
        "after": pytest_junit(work, LEDGER_TESTS_AFTER, out / "after.xml"),
        "after-ok": pytest_junit(work, LEDGER_TESTS, out / "after-ok.xml"),
    }
    for name, failing in (("health-98", "{17, 63}"), ("health-99", "{63}")):
        files[name] = pytest_junit(work, HEALTH_TESTS.format(failing=failing), out / f"{name}.xml")
    return files


@pytest.fixture
def project(tmp_path, junit) -> Path:
    """A migrated project with the test results copied into its ``ci/`` folder."""
    write(tmp_path, migrated_system())
    (tmp_path / "ci").mkdir()
    for name, path in junit.items():
        shutil.copy(path, tmp_path / "ci" / f"{name}.xml")
    return tmp_path


def review(root: Path, *args: str):
    return run_cli("review", *args, "--reviewer", REVIEWER, cwd=root, env=EPOCH)


def runtime_section(text: str) -> str:
    return text.split("### Runtime evidence", 1)[1].split("\n## ", 1)[0]


def test_a_regression_between_before_and_after_fails_sc003_naming_the_test(project):
    run = review(
        project,
        "infra",
        "app",
        "-o",
        "REVIEW.md",
        "--evidence",
        "SC-003=ci/before.xml,ci/after.xml",
    )
    assert run.code == 1, run.stderr
    text = (project / "REVIEW.md").read_text()
    status, explanation = matrix(text)["SC-003"]
    assert status == "fail"
    assert "1 of the 3 test(s) that passed in ci/before.xml do not pass in ci/after.xml" in (
        explanation
    )
    assert "suite.test\\_ledger::test\\_balance (failed)" in explanation
    assert "test\\_transfer" not in explanation
    # the static review alone passes this tree: the runtime evidence makes the verdict FAIL
    assert verdict(text) == "FAIL"
    reason = text.split("**Verdict: FAIL**:", 1)[1].split("\n", 1)[0]
    assert "runtime evidence contradicts SC-003" in reason
    # each file is recorded with its digest and summary, and shown in the runtime section
    record = read(text)
    assert record["requirements"]["SC-003"] == "fail"
    before, after = record["evidence"]
    assert (before["requirement"], before["role"], before["path"]) == (
        "SC-003",
        "before",
        "ci/before.xml",
    )
    assert after["role"] == "after" and after["path"] == "ci/after.xml"
    assert after["sha256"] == evidence._digest((project / "ci/after.xml").read_bytes())
    assert before["summary"] == {"tests": 3, "passed": 3, "failed": 0, "errors": 0, "skipped": 0}
    assert after["summary"] == {"tests": 3, "passed": 2, "failed": 1, "errors": 0, "skipped": 0}
    section = runtime_section(text)
    assert "| `ci/after.xml` | SC-003 | after | 3 | 2 | 1 | 0 | 0 | `sha256:" in section
    assert "- **SC-003: FAIL**:" in section


def test_results_without_a_regression_pass_sc003_and_the_document_is_reproducible(project):
    args = ("infra", "app", "--evidence", "SC-003=ci/before.xml,ci/after-ok.xml")
    run = review(project, *args, "-o", "a.md")
    assert run.code == 0, run.stderr
    text = (project / "a.md").read_text()
    assert verdict(text) == "PASS"
    status, explanation = matrix(text)["SC-003"]
    assert status == "pass"
    assert "all 3 test(s) that passed before pass after" in explanation
    # FR-006 takes the same kind of evidence and was given none: it says how to give it
    assert matrix(text)["FR-006"][0] == "not evidenced"
    assert "--evidence FR-006=BEFORE.xml,AFTER.xml" in matrix(text)["FR-006"][1]
    assert review(project, *args, "-o", "b.md").code == 0
    assert (project / "a.md").read_bytes() == (project / "b.md").read_bytes()


@pytest.mark.parametrize(
    ("results", "status", "said"),
    [
        (
            "health-98",
            "fail",
            "only 98 of the last 100 test cases in ci/health-98.xml passed (98%, below the 99% required)",
        ),
        (
            "health-99",
            "pass",
            "99 of the last 100 test cases in ci/health-99.xml passed (99%; 99% required)",
        ),
    ],
)
def test_health_check_success_rate_decides_sc002_at_99_of_100(project, results, status, said):
    run = review(project, "infra", "app", "-o", "R.md", "--evidence", f"SC-002=ci/{results}.xml")
    text = (project / "R.md").read_text()
    found, explanation = matrix(text)["SC-002"]
    assert (found, said in explanation) == (status, True), explanation
    assert run.code == (1 if status == "fail" else 0), run.stderr
    assert verdict(text) == ("FAIL" if status == "fail" else "PASS")


def test_passing_evidence_never_overrides_a_failing_rule(tmp_path, junit):
    """An application without a health check fails SC-002 (DSQL011), whatever the calls say."""
    write(
        tmp_path,
        {
            **{k: v for k, v in migrated_system().items() if not k.startswith("app/")},
            "app/handler.py": """
            import os

            def handler(event, context):
                return {"endpoint": os.environ["DSQL_ENDPOINT"]}
            """,
        },
    )
    shutil.copy(junit["health-99"], tmp_path / "health.xml")
    run = review(tmp_path, "infra", "app", "-o", "R.md", "--evidence", "SC-002=health.xml")
    assert run.code == 1, run.stderr
    text = (tmp_path / "R.md").read_text()
    status, explanation = matrix(text)["SC-002"]
    assert status == "fail"
    assert explanation.startswith("1 finding(s) of DSQL011 contradict it")
    assert "runtime evidence that holds never overrides a finding" in explanation


def test_verify_names_a_changed_and_a_deleted_evidence_file(project):
    args = (
        "--evidence",
        "SC-003=ci/before.xml,ci/after-ok.xml",
        "--evidence",
        "SC-002=ci/health-99.xml",
    )
    assert review(project, "infra", "app", "-o", "REVIEW.md", *args).code == 0
    same = run_cli("verify", "REVIEW.md", cwd=project)
    assert same.code == 0, same.stdout + same.stderr
    assert "3 evidence file(s)" in same.stdout
    # the after file now holds the regressed run: named, and re-judged
    shutil.copy(project / "ci/after.xml", project / "ci/after-ok.xml")
    changed = run_cli("verify", "REVIEW.md", cwd=project)
    assert changed.code == 1, changed.stdout + changed.stderr
    assert "  evidence changed: ci/after-ok.xml (SC-003 after)" in changed.stdout
    assert "  verdict: PASS -> FAIL" in changed.stdout
    assert "no longer holds: the runtime evidence changed" in changed.stdout
    (project / "ci/health-99.xml").unlink()
    gone = run_cli("verify", "REVIEW.md", cwd=project)
    assert gone.code == 1
    assert "  evidence missing: ci/health-99.xml (SC-002 results)" in gone.stdout
    assert "  evidence changed: ci/after-ok.xml (SC-003 after)" in gone.stdout


def test_evidence_outside_the_project_is_refused_and_never_read_by_verify(tmp_path, junit):
    """verify reads what the review document (in the tree, untrusted) names: only inside the
    root. So review takes evidence from inside it, and verify never follows a record outside."""
    project = tmp_path / "project"
    write(project, migrated_system())
    outside = tmp_path / "runs"
    outside.mkdir()
    shutil.copy(junit["health-99"], outside / "health.xml")
    for given in (str(outside / "health.xml"), "../runs/health.xml"):
        run = review(project, "-o", "R.md", "--evidence", f"SC-002={given}")
        assert run.code == 2 and "outside the project root" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    (project / "ci").mkdir()
    os.symlink(outside / "health.xml", project / "ci" / "health.xml")
    run = review(project, "-o", "R.md", "--evidence", "SC-002=ci/health.xml")
    assert run.code == 2 and "outside the project root" in run.stderr
    # a record edited to name a file outside (its digest recomputed): reported, never read
    shutil.copy(junit["health-99"], project / "health.xml")
    assert review(project, "-o", "R.md", "--evidence", "SC-002=health.xml").code == 0
    reseal(
        project / "R.md",
        lambda text: text.replace('"path": "health.xml"', '"path": "../runs/health.xml"'),
    )
    run = run_cli("verify", "R.md", cwd=project)
    assert run.code == 1, run.stdout + run.stderr
    assert "evidence missing: ../runs/health.xml (SC-002 results)" in run.stdout


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<testsuite name="bomb"><testcase name="&lol3;"/></testsuite>
"""


@pytest.mark.parametrize(
    ("option", "files", "message"),
    [
        ("SC-002=ci/bad.xml", {"ci/bad.xml": "<testsuite><testcase"}, "not well-formed XML"),
        ("SC-002=ci/bomb.xml", {"ci/bomb.xml": BOMB}, "refused: it declares a DTD"),
        ("SC-002=ci/page.xml", {"ci/page.xml": "<html/>"}, "not JUnit XML (its root element"),
        ("SC-002=ci/none.xml", {}, "ci/none.xml: no such file"),
        ("SC-002=ci", {}, "cannot read: not a regular file"),
        ("SC-003", {}, "expected REQUIREMENT=FILE[,FILE]"),
        ("SC-003=", {}, "expected REQUIREMENT=FILE[,FILE]"),
        ("SC-003=ci/before.xml", {}, "SC-003 takes 2 JUnit file(s), got 1"),
        ("SC-002=ci/before.xml,ci/after.xml", {}, "SC-002 takes 1 JUnit file(s), got 2"),
        ("SC-042=ci/before.xml", {}, "no such requirement in the Aurora DSQL migration spec"),
        ("FR-001=ci/before.xml", {}, "FR-001 takes no runtime evidence"),
    ],
)
def test_unusable_evidence_is_one_line_exit_2(project, option, files, message):
    write(project, files)
    run = review(project, "-o", "R.md", "--evidence", option)
    assert run.code == 2, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (project / "R.md").exists()


def test_html_review_shows_the_evidence_with_test_names_escaped(project):
    write(
        project,
        {
            "ci/hostile-after.xml": """
            <testsuite name="x">
              <testcase classname="suite.test_ledger" name="test_transfer"/>
              <testcase classname="suite.test_ledger" name="test_statement"/>
            </testsuite>
            """,
            "ci/hostile-before.xml": """
            <testsuite name="x">
              <testcase classname="suite.test_ledger" name="test_transfer"/>
              <testcase classname="suite.test_ledger" name="test_statement"/>
              <testcase classname="&lt;script&gt;alert(1)&lt;/script&gt;" name="t"/>
            </testsuite>
            """,
        },
    )
    option = "SC-003=ci/hostile-before.xml,ci/hostile-after.xml"
    run = review(project, "infra", "app", "-o", "R.html", "--evidence", option)
    assert run.code == 1, run.stderr
    html = (project / "R.html").read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;::t (missing)" in html
    assert '<h3 id="runtime-evidence">Runtime evidence</h3>' in html
    assert "<td><code>ci/hostile-after.xml</code></td>" in html
    assert_balanced(html)
    assert run_cli("verify", "R.html", cwd=project).code == 0


def test_a_project_catalogue_declares_how_its_results_are_judged(tmp_path, junit):
    write(
        tmp_path,
        {
            **migrated_system(),
            ".dsql-scan.yaml": "requirements: review/requirements.yaml\n",
            "review/requirements.yaml": """
            requirements:
              - id: MIG-1
                text: No Aurora RDS cluster remains.
                rules: [RDS]
                needs: [cfn]
              - id: MIG-2
                text: The health check answers nearly always.
                runtime: measured at run time
                evidence: success-rate 98/100
            """,
        },
    )
    shutil.copy(junit["health-98"], tmp_path / "health.xml")
    run = review(tmp_path, "-o", "R.md", "--evidence", "MIG-2=health.xml")
    assert run.code == 0, run.stderr
    status, explanation = matrix((tmp_path / "R.md").read_text())["MIG-2"]
    assert status == "pass" and "(98%; 98% required)" in explanation
    listing = run_cli("rules", "--requirements", cwd=tmp_path)
    assert "evidence: JUnit results: at least 98 of the last 100 test cases pass" in listing.stdout
    wrong = review(tmp_path, "-o", "R.md", "--evidence", "MIG-1=health.xml")
    assert wrong.code == 2 and "MIG-1 takes no runtime evidence (those that do: MIG-2)" in (
        wrong.stderr
    )


def test_a_review_without_evidence_verifies_without_the_block(tmp_path):
    """Reviews written before evidence was recorded have no ``evidence`` member at all."""
    write(tmp_path, {"infra/ledger.yaml": LEGACY})
    assert review(tmp_path, "infra", "-o", "R.md").code == 1
    reseal(tmp_path / "R.md", lambda text: text.replace(' "evidence": [],\n', ""))
    assert "evidence" not in read((tmp_path / "R.md").read_text())
    run = run_cli("verify", "R.md", cwd=tmp_path)
    assert run.code == 0, run.stdout + run.stderr


def test_an_unreadable_evidence_block_is_not_a_review(tmp_path):
    write(tmp_path, migrated_system())
    assert review(tmp_path, "-o", "R.md").code == 0
    reseal(tmp_path / "R.md", lambda text: text.replace('"evidence": []', '"evidence": [7]'))
    run = run_cli("verify", "R.md", cwd=tmp_path)
    assert run.code == 2
    assert "(settings, tools, evidence) is unreadable" in run.stderr


def readme_health_loop() -> str:
    """The README's one-line health-check loop that writes JUnit."""
    readme = (ROOT / "README.md").read_text()
    return next(line for line in readme.splitlines() if "<testsuite name=" in line)


def test_the_readme_health_check_loop_writes_junit_the_review_judges(project):
    loop = readme_health_loop()
    assert "$HEALTH_CHECK" in loop and "> health.xml" in loop
    # a stand-in for the deployed health check that fails its 7th call
    (project / "check.sh").write_text(
        'n=$(cat calls 2>/dev/null || echo 0); n=$((n + 1)); echo $n > calls; [ "$n" != 7 ]\n'
    )
    env = {**os.environ, "HEALTH_CHECK": "sh check.sh"}
    subprocess.run(["bash", "-c", loop], cwd=project, env=env, check=True, timeout=120)
    cases = evidence.parse((project / "health.xml").read_bytes(), "health.xml")
    assert len(cases) == 100
    assert [outcome for _, outcome in cases].count(evidence.FAILED) == 1
    run = review(project, "infra", "app", "-o", "R.md", "--evidence", "SC-002=health.xml")
    assert run.code == 0, run.stderr
    assert matrix((project / "R.md").read_text())["SC-002"][0] == "pass"


# The judgement functions


def results(cases: list[tuple[str, str]], role: str = "results", path: str = "r.xml"):
    return evidence.Results("SC-003", role, path, "sha256:0", tuple(cases))


P, F, E, S = evidence.PASSED, evidence.FAILED, evidence.ERROR, evidence.SKIPPED


def test_methods_parse_and_unknown_ones_are_refused():
    assert evidence.method("no-regression").roles == ("before", "after")
    rate = evidence.method("success-rate  99 / 100")
    assert (rate.roles, rate.needed, rate.window) == (("results",), 99, 100)
    for wrong in ("success-rate 0/100", "success-rate 101/100", "success-rate 99%", "green"):
        with pytest.raises(ValueError, match="unknown evidence"):
            evidence.method(wrong)
    for requirement in ("FR-006", "SC-002", "SC-003"):
        assert evidence.method(BY_REQUIREMENT[requirement].evidence)


def test_regression_is_a_test_that_passed_before_and_fails_errors_skips_or_is_gone():
    before = results([("a", P), ("b", P), ("c", P), ("d", P), ("e", F), ("f", P)], "before")
    after = results([("a", P), ("b", F), ("c", E), ("d", S), ("e", P), ("g", F), ("f", P)])
    assert evidence.regressions(before, after) == (
        ("b", F),
        ("c", E),
        ("d", S),
    )
    gone = results([("a", P)])
    assert evidence.regressions(before, gone)[-1] == ("f", evidence.MISSING)
    judged = evidence.no_regression(before, after)
    assert judged.holds is False
    assert judged.explanation.startswith("3 of the 5 test(s) that passed in r.xml")


def test_a_test_listed_twice_passed_only_if_every_occurrence_did():
    assert evidence.outcomes([("a", P), ("a", F), ("b", S), ("b", P)]) == {"a": F, "b": S}
    before = results([("a", P), ("a", P)], "before")
    assert evidence.regressions(before, results([("a", P), ("a", E)])) == (("a", E),)
    assert evidence.no_regression(before, results([("a", P)])).holds is True


def test_no_regression_without_a_passing_test_before_decides_nothing():
    judged = evidence.no_regression(results([("a", F)], "before"), results([]))
    assert judged.holds is None and "no passing test" in judged.explanation


def test_many_regressions_are_named_first_then_counted():
    before = results([(f"t{i}", P) for i in range(9)], "before")
    judged = evidence.no_regression(before, results([]))
    assert "t0 (missing), t1 (missing), t2 (missing), t3 (missing), t4 (missing)" in (
        judged.explanation
    )
    assert judged.explanation.endswith(" and 4 more")


def test_success_rate_reads_the_last_cases_in_document_order():
    early_failures = [("h", F)] * 5 + [("h", P)] * 100
    assert evidence.success_rate(results(early_failures), 99, 100).holds is True
    late = [("h", P)] * 98 + [("h", F)] * 2
    judged = evidence.success_rate(results(late), 99, 100)
    assert judged.holds is False and "(98%, below the 99% required)" in judged.explanation
    short = evidence.success_rate(results([("h", P)] * 57), 99, 100)
    assert short.holds is None
    assert short.explanation == "r.xml has 57 test case(s); the last 100 are judged"


def test_test_identity_is_classname_and_name_or_the_suite_name():
    data = b"""<testsuites>
      <testsuite name="health">
        <testcase name="call 1"/>
        <testcase classname="pkg.mod" name="t"><failure/></testcase>
        <testcase classname="pkg.mod" name="u"><error/></testcase>
        <testcase classname="pkg.mod" name="v"><skipped/></testcase>
      </testsuite>
      <testsuite><testcase name="bare"/></testsuite>
    </testsuites>"""
    assert evidence.parse(data, "r.xml") == (
        ("health::call 1", P),
        ("pkg.mod::t", F),
        ("pkg.mod::u", E),
        ("pkg.mod::v", S),
        ("bare", P),
    )


def test_a_file_over_the_size_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_BYTES", 64)
    big = tmp_path / "big.xml"
    big.write_text("<testsuite>" + " " * 100 + "</testsuite>")
    with pytest.raises(evidence.EvidenceError, match="larger than"):
        evidence.read("SC-002", "results", str(big), tmp_path)


def test_reread_reports_missing_and_changed_files_and_drops_their_requirement(tmp_path):
    ok = b'<testsuite name="s"><testcase name="a"/></testsuite>'
    (tmp_path / "a.xml").write_bytes(ok)
    (tmp_path / "b.xml").write_bytes(b"<testsuite")
    entries = [
        {"requirement": "SC-002", "role": "results", "path": "a.xml"},
        {"requirement": "SC-003", "role": "before", "path": "b.xml"},
        {"requirement": "SC-003", "role": "after", "path": "gone.xml"},
    ]
    for entry in entries:
        entry["sha256"] = evidence._digest(ok)
    loaded, changes = evidence.reread(entries, tmp_path)
    assert [r.path for r in loaded] == ["a.xml"]
    assert [c.line for c in changes] == [
        "evidence changed: b.xml (SC-003 before)",
        "evidence missing: gone.xml (SC-003 after)",
    ]


def test_recorded_paths_are_relative_to_the_root_inside_it(tmp_path):
    root = tmp_path / "project"
    (root / "ci").mkdir(parents=True)
    assert evidence.recorded_path(str(root / "ci" / "r.xml"), root) == "ci/r.xml"
    assert evidence.recorded_path(str(tmp_path / "r.xml"), root) is None
    cwd = Path.cwd()
    try:
        os.chdir(root)
        assert evidence.recorded_path("../r.xml", root) is None
        assert evidence.recorded_path("./ci/../ci/r.xml", root) == "ci/r.xml"
    finally:
        os.chdir(cwd)


def test_option_syntax():
    assert evidence.parse_option(" SC-003 = a.xml , b.xml") == ("SC-003", ("a.xml", "b.xml"))
    for wrong in ("SC-003", "=a.xml", "SC-003=", "SC-003=a.xml,"):
        with pytest.raises(evidence.EvidenceError, match=re.escape("REQUIREMENT=FILE[,FILE]")):
            evidence.parse_option(wrong)
