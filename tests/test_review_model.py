"""The review model's judgements and digests, in process, on hand-made scan results."""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import fields

import pytest

from scanner.config import Config
from scanner.facts import FileFacts
from scanner.model import Finding, Location, Severity
from scanner.reporters.review_format import md, md_code
from scanner.results import FileAnalysis, ScanResult
from scanner.review.document import NotAReview, block, intact, read, seal
from scanner.review.model import (
    ACCEPTED,
    FAIL,
    NOT_EVIDENCED,
    PASS,
    ReviewError,
    config_rows,
    finding_record,
    matrix,
    result_digest,
    review_date,
    scope_digest,
)
from scanner.rules import ALL_RULES
from scanner.rules.base import rule
from scanner.rules.requirements import BY_REQUIREMENT, REQUIREMENTS

HEALTH = rule(
    id="TEST001",
    name="health-check",
    title="t",
    severity=Severity.WARNING,
    kinds=("app",),
    requirements=("FR-004", "SC-002"),
    rationale="r",
    remediation="fix it",
)
INFRA = rule(
    id="TEST002",
    name="infra",
    title="t",
    severity=Severity.ERROR,
    kinds=("cfn", "cdk"),
    requirements=("FR-001",),
    rationale="r",
    remediation="fix it",
)
RULES = (HEALTH, INFRA)


def analysis(path: str, kind: str) -> FileAnalysis:
    return FileAnalysis(path, "python", facts=FileFacts(kind=kind, path=path), sha256="ab" * 32)


def finding(rule_id: str, severity=Severity.WARNING, suppressed=False, line=3) -> Finding:
    declared = next(r for r in RULES if r.id == rule_id)
    return Finding(
        rule=rule_id,
        name=declared.name,
        severity=severity,
        message="m",
        location=Location("app.py", line),
        fingerprint=f"{rule_id}-fp",
        requirements=declared.requirements,
        suppressed=suppressed,
    )


def rows(files, findings=(), fail_on=Severity.WARNING, enabled=("TEST001", "TEST002")):
    result = ScanResult(tuple(findings), tuple(files), "/r", fail_on, rules_run=enabled)
    kinds = frozenset(f.facts.kind for f in files)
    return {row.requirement.id: row for row in matrix(result, kinds, rules=RULES)}


def test_rows_are_derived_from_the_rules_requirements():
    table = rows([analysis("app.py", "app"), analysis("t.yaml", "cfn")])
    assert list(table) == [r.id for r in REQUIREMENTS]
    assert table["FR-004"].rules == ("TEST001",)
    assert table["FR-001"].rules == ("TEST002",)
    assert table["FR-003"].rules == ()
    assert (table["FR-004"].status, table["FR-001"].status) == (PASS, PASS)
    assert "TEST001 found nothing" in table["FR-004"].explanation


def test_requirement_without_its_inputs_in_scope_is_not_evidenced():
    table = rows([analysis("t.yaml", "cfn")])
    assert table["FR-004"].status == NOT_EVIDENCED
    assert table["FR-004"].explanation.endswith("no application code in scope")
    assert table["FR-001"].status == PASS
    table = rows([analysis("app.py", "app")])
    assert table["FR-001"].status == NOT_EVIDENCED
    assert "no CloudFormation template or CDK source in scope" in table["FR-001"].explanation


def test_requirement_whose_rule_did_not_run_or_that_no_rule_evidences_is_not_evidenced():
    table = rows([analysis("app.py", "app")], enabled=("TEST002",))
    assert table["FR-004"].status == NOT_EVIDENCED
    assert "TEST001 disabled by the configuration" in table["FR-004"].explanation
    assert table["FR-004"].disabled == ("TEST001",)
    assert table["FR-003"].status == NOT_EVIDENCED
    assert "no rule evidences it" in table["FR-003"].explanation
    # a disabled rule that reads nothing in scope (templates, in a tree of application code)
    # withholds no evidence: FR-001 lacks its inputs, not a rule
    table = rows([analysis("app.py", "app"), analysis("t.yaml", "cfn")], enabled=("TEST001",))
    assert "TEST002 disabled" in table["FR-001"].explanation
    table = rows([analysis("app.py", "app")], enabled=("TEST001",))
    assert table["FR-001"].disabled == ()
    assert table["FR-001"].explanation.endswith("no CloudFormation template or CDK source in scope")


def test_findings_at_or_above_fail_on_fail_their_requirements():
    files = [analysis("app.py", "app")]
    table = rows(files, [finding("TEST001")])
    assert table["FR-004"].status == FAIL
    assert table["FR-004"].findings[0].rule == "TEST001"
    assert "1 finding(s) of TEST001" in table["FR-004"].explanation
    # a runtime requirement can be refuted statically, never proven
    assert table["SC-002"].status == FAIL
    assert rows(files)["SC-002"].status == NOT_EVIDENCED
    assert "measured at run time" in rows(files)["SC-002"].explanation


def test_suppressed_and_below_threshold_findings_do_not_fail():
    files = [analysis("app.py", "app")]
    suppressed = rows(files, [finding("TEST001", suppressed=True)])["FR-004"]
    assert suppressed.status == ACCEPTED  # never a plain pass
    assert suppressed.findings == ()
    assert [f.rule for f in suppressed.exceptions] == ["TEST001"]
    assert "suppressed" in suppressed.explanation
    quiet = rows(files, [finding("TEST001", Severity.NOTE, suppressed=True)])["FR-004"]
    assert (quiet.status, quiet.exceptions) == (PASS, ())  # it would not have failed it
    below = rows(files, [finding("TEST001", Severity.NOTE)])["FR-004"]
    assert below.status == PASS
    assert "below the fail-on level" in below.explanation
    never = rows(files, [finding("TEST001", Severity.ERROR)], fail_on=None)["FR-004"]
    assert never.status == PASS


def test_every_catalogue_requirement_id_is_a_spec_requirement():
    for declared in ALL_RULES:
        assert set(declared.requirements) <= set(BY_REQUIREMENT), declared.id


def test_scope_digest_is_sha256sum_of_the_file_list(tmp_path):
    (tmp_path / "b.yaml").write_text("b\n")
    (tmp_path / "a.yaml").write_text("a\n")
    listing = subprocess.run(
        ["sha256sum", "b.yaml", "a.yaml"], cwd=tmp_path, capture_output=True, check=True
    ).stdout
    expected = hashlib.sha256(
        b"".join(sorted(listing.splitlines(keepends=True), key=lambda line: line[66:]))
    )
    files = {
        name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        for name in ("b.yaml", "a.yaml")
    }
    assert scope_digest(files) == "sha256:" + expected.hexdigest()


def test_result_digest_covers_identity_severity_and_state_not_lines():
    base = result_digest([finding_record(finding("TEST001"))])
    assert result_digest([finding_record(finding("TEST001", line=90))]) == base
    assert result_digest([finding_record(finding("TEST001", Severity.ERROR))]) != base
    assert result_digest([finding_record(finding("TEST001", suppressed=True))]) != base
    assert result_digest([]) != base


def test_review_date_honours_source_date_epoch():
    assert review_date({"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01T00:00:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", review_date({}))
    with pytest.raises(ReviewError, match="SOURCE_DATE_EPOCH"):
        review_date({"SOURCE_DATE_EPOCH": "soon"})


def test_configuration_rows_cover_every_setting():
    shown = dict(config_rows(Config(fail_on=None, severity=(("RDS007", Severity.NOTE),))))
    for item in fields(Config):
        if item.name not in ("root", "source", "dsql", "require_signature", "preview"):
            assert item.name.replace("_", "-") in shown, item.name
    # what verify demands of the document is no setting the review judged with
    assert "require-signature" not in shown
    assert shown["fail-on"] == "never"
    assert shown["severity"] == "RDS007 = note"
    assert shown["dsql.expected-clusters"] == "1"


def test_block_survives_comment_terminators_and_markup_in_paths():
    record = {"dsql-scan-review": 1, "files": {"a-->b/<script>.yaml": "00"}, "paths": ["--x"]}
    document = seal(f"# title\n{block(record)}\nbody\n")
    assert "-->b" not in document and "<script>" not in document
    assert document.count("-->") == 1
    back = read(document)
    assert back["files"] == {"a-->b/<script>.yaml": "00"}
    assert intact(document, back)
    assert not intact(document.replace("body", "bodY"), back)


def test_text_without_a_block_is_not_a_review():
    with pytest.raises(NotAReview):
        read("# just notes\n")


def test_markdown_escaping_keeps_tables_and_markup_intact():
    assert md("a|b <i>x</i> *y* `z`\nnext") == r"a\|b &lt;i&gt;x&lt;/i&gt; \*y\* \`z\` next"
    assert md_code("x|y") == r"`x\|y`"
    assert md_code("a`b") == "``a`b``"
    assert md_code("uses `tick`") == "`` uses `tick` ``"
    assert md_code("`edge") == "`` `edge ``"


def test_a_status_the_templates_do_not_name_renders_by_its_slug_and_is_counted(tmp_path):
    """Statuses belong to the model: a new one needs no template edit to show and be styled."""
    from dataclasses import replace

    from scanner.reporters.review_format import render
    from scanner.review.gitinfo import GitFacts
    from scanner.review.model import build

    files = (analysis("app.py", "app"),)
    result = ScanResult((finding("TEST001"),), files, str(tmp_path), Severity.WARNING, ())
    model = build(result, Config(root=tmp_path), GitFacts(), reviewer="r", date="d")
    first = replace(model.matrix[0], status="accepted with exceptions")
    model = replace(model, matrix=(first, *model.matrix[1:]), verdict="PASS WITH EXCEPTIONS")
    assert model.counts["accepted with exceptions"] == 1
    assert 0 in model.counts.values()  # zero counts stay in the data; the layout hides them
    html = render(model, "html")
    assert '<span class="status accepted-with-exceptions">ACCEPTED WITH EXCEPTIONS</span>' in html
    assert '<div id="verdict" class="verdict pass-with-exceptions">' in html
    assert '<span class="status accepted-with-exceptions">1 accepted with exceptions</span>' in html
    assert not re.search(r'class="status [a-z-]+">0 ', html)  # no badge for zero
    markdown = render(model, "md")
    assert "| **ACCEPTED WITH EXCEPTIONS** |" in markdown
    summary = next(line for line in markdown.splitlines() if line.startswith("Requirements: "))
    assert "1 accepted with exceptions" in summary and not re.search(r"\b0 ", summary)
