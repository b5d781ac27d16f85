"""The real-code corpora from PyPI (``benchmarks/pypi_corpus.py``): exact pins, only the files
dsql-scan reads kept where the package had them, a file that is not the pinned one refused, and
the benchmark's verdicts on what it measured (``benchmarks/run.py``'s ``real`` section).

Nothing here reaches the registry: the packages are built from archives made here, and the whole
corpus only when a run of the benchmark or of ``pypi_corpus.py`` has already fetched its pinned
files into the downloads directory (skipped, with the reason, when it has not).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.inputs.python.module import MAX_PYTHON_BYTES
from scanner.pipeline.discover import discover, reader_of
from tests.conftest import benchmark_module

benchmark_module("npm_corpus", "npm_corpus.py")  # the names run.py and pypi_corpus import them by
corpus = benchmark_module("pypi_corpus", "pypi_corpus.py")
benchmark_module("corpus", "corpus.py")
benchmark_module("terraform_corpus", "terraform_corpus.py")
bench = benchmark_module("benchmark_run", "run.py")
# Where the benchmark keeps the packages, read at collection (the tests' cache is a fresh one).
DOWNLOADS = corpus.default_downloads()

# A package as a wheel or sdist ships one: modules, JSON and YAML data, its own JavaScript, and
# what discovery never reaches.
FILES = {
    "pkg/__init__.py": "",
    "pkg/db.py": "import psycopg\n",
    "pkg/data/endpoints.json": '{"partitions": []}\n',
    "pkg/templates/stack.yaml": "Resources: {}\n",
    "pkg/templates/legacy.template": '{"Resources": {}}\n',
    "pkg/static/admin.js": "var a = 1;\n",
    "pkg/README.md": "# pkg\n",
    "pkg/build/generated.py": "X = 1\n",
    "pkg/node_modules/dep/index.py": "Y = 2\n",
    "test/fixtures/templates/good/vpc.yaml": "Resources: {}\n",
    "test/fixtures/templates/good/__init__.py": "",
    "test/unit/test_db.py": "def test(): pass\n",
}
PYTHON_KEPT = [
    "pkg/__init__.py",
    "pkg/data/endpoints.json",
    "pkg/db.py",
    "pkg/templates/legacy.template",
    "pkg/templates/stack.yaml",
    "test/fixtures/templates/good/__init__.py",
    "test/fixtures/templates/good/vpc.yaml",
    "test/unit/test_db.py",
]


def _wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in FILES.items():
            wheel.writestr(name, text)
        wheel.writestr("pkg-1.0.dist-info/METADATA", "Name: pkg\n")
    return path


def _sdist(path: Path) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in FILES.items():
            data = text.encode()
            member = tarfile.TarInfo(f"pkg-1.0/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def _pinned(archive: Path, corpus_name: str, under: tuple[str, ...] = ()) -> object:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    return corpus.Package(corpus_name, "pkg", "1.0", archive.name, digest, "MIT", "", under)


def _kept_in(downloads: Path, package, archive: Path) -> None:
    folder = corpus.folder_of(package, downloads)
    folder.mkdir(parents=True)
    archive.rename(folder / archive.name)


def _no_client(*args):
    raise AssertionError("the registry was asked for a file that was kept")


def _rels(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_the_pins_are_exact_files_with_their_digest_and_licence():
    assert len({(p.corpus, p.name) for p in corpus.PACKAGES}) == len(corpus.PACKAGES)
    assert set(corpus.CORPORA) == {p.corpus for p in corpus.PACKAGES}
    for package in corpus.PACKAGES:
        assert re.fullmatch(r"[0-9a-f]{64}", package.sha256), package.pinned
        assert re.fullmatch(r"\d+(\.\d+)+", package.version), package.pinned
        assert package.licence and package.what
        stem = re.sub(r"[-_.]+", "_", package.name).lower()
        name = re.sub(r"[-_.]+", "_", package.filename).lower()
        assert name.startswith(f"{stem}_{package.version.replace('.', '_')}"), package.filename
        # platform-independent: a pure wheel, or the sdist (which pip is told to fetch)
        assert package.filename.endswith(("-py3-none-any.whl", ".tar.gz")), package.filename
        assert package.sdist == package.filename.endswith(".tar.gz")
    templates = [p for p in corpus.PACKAGES if p.corpus == "templates"]
    assert templates and all(p.inputs == ("cloudformation",) and p.under for p in templates)


def _archive(kind: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "wheel":
        return _wheel(folder / "pkg-1.0-py3-none-any.whl")
    return _sdist(folder / "pkg-1.0.tar.gz")


def _by_suffix(rels: list[str]) -> dict[str, dict[str, int]]:
    counted: dict[str, dict[str, int]] = {}
    for rel in rels:
        entry = counted.setdefault(corpus.suffix_of(rel), {"files": 0, "bytes": 0})
        entry["files"] += 1
        entry["bytes"] += len(FILES[rel])
    return dict(sorted(counted.items()))


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_a_package_keeps_the_files_its_corpus_reads_where_they_were(tmp_path, monkeypatch, kind):
    """Python corpora keep Python and the JSON and YAML beside it, the template corpus only the
    templates under its prefix; paths are the package's (an sdist's top folder dropped, a
    wheel's .dist-info left out); nothing under a directory discovery skips; JavaScript is
    counted as another input's and left out. Taken from the downloads: no client asked."""
    monkeypatch.setattr(corpus, "_pip_download", _no_client)
    archive = _archive(kind, tmp_path / "a")
    python = _pinned(archive, "django")
    _kept_in(tmp_path / "downloads", python, archive)
    held = corpus.build(tmp_path / "corpus", (python,), tmp_path / "downloads")
    assert _rels(tmp_path / "corpus" / "django" / "pkg") == PYTHON_KEPT
    package = held["corpora"]["django"]["packages"]["pkg==1.0"]
    assert package["suffixes"] == _by_suffix(PYTHON_KEPT)
    assert set(package["suffixes"]) == {".json", ".py", ".template", ".yaml"}
    assert package["other_inputs"] == {"typescript": 1} and package["licence"] == "MIT"
    assert held["files"] == len(PYTHON_KEPT)
    assert held["bytes"] == sum(len(FILES[rel]) for rel in PYTHON_KEPT)

    archive = _archive(kind, tmp_path / "b")
    templates = _pinned(archive, "templates", ("test/fixtures/templates/",))
    _kept_in(tmp_path / "downloads-b", templates, archive)
    held = corpus.build(tmp_path / "corpus", (templates,), tmp_path / "downloads-b")
    assert _rels(tmp_path / "corpus" / "templates") == ["pkg/test/fixtures/templates/good/vpc.yaml"]
    assert held["corpora"]["templates"]["packages"]["pkg==1.0"]["other_inputs"] == {"python": 1}


def test_a_fetched_file_that_is_not_the_pinned_one_leaves_the_corpus_out(tmp_path, monkeypatch):
    wanted = _pinned(_wheel(tmp_path / "pkg-1.0-py3-none-any.whl"), "django")
    changed = dataclasses.replace(wanted, sha256="0" * 64)

    def fetched(package, into):  # the registry brings a file of the pinned name, other bytes
        _wheel(into / package.filename)

    monkeypatch.setattr(corpus, "_pip_download", fetched)
    with pytest.raises(corpus.Unavailable, match=re.escape("not pkg-1.0-py3-none-any.whl")):
        corpus.build(tmp_path / "corpus", (changed,), tmp_path / "downloads")


def test_the_real_ratios_carry_their_targets_and_verdicts():
    def run(seconds: float, peak: int = 100, code: int = 0) -> dict:
        return {"seconds": seconds, "peak_mb": peak, "exit": code}

    timings = {
        "networkx": {
            "cold_jobs1": run(6.0),
            "cold": run(3.0),
            "floor": run(4.0),
            "warm": run(0.1),
        },
        "templates": {
            "cold_jobs1": run(2.0),
            "cold": run(1.0),
            "floor": run(1.0),
            "warm": run(0.5),
        },
        "whole": {"cold": run(10.0, 240), "warm": run(0.4, 60)},
        "peers": {"cfn_lint": run(20.0), "checkov": run(50.0, 3000, 2)},
    }
    ratios = bench.real_ratios(timings, files=2000)
    assert ratios["networkx_cold_jobs1_vs_floor"] == {
        "measured": 1.5,
        "target": "<= 2",
        "met": True,
    }
    assert ratios["networkx_cold_vs_floor"] == {"measured": 0.75, "target": "<= 1.2", "met": True}
    assert ratios["networkx_warm_vs_cold"] == {"measured": 0.033, "target": "<= 0.05", "met": True}
    assert ratios["templates_warm_vs_cold"] == {"measured": 0.5, "target": "<= 0.05", "met": False}
    assert ratios["whole_warm_vs_cold"] == {"measured": 0.04, "target": "<= 0.05", "met": True}
    assert ratios["templates_cold_vs_cfn_lint"] == {
        "measured": 0.05,
        "target": "<= 0.15",
        "met": True,
    }
    assert ratios["templates_cold_vs_checkov"]["met"] is None  # a peer: no target
    assert "exit 2" in ratios["templates_cold_vs_checkov"]["note"]  # and it failed
    assert ratios["whole_peak_mb_per_1000_files"]["measured"] == 120.0
    assert ratios["whole_peak_mb_projected_5000_files"] == {
        "measured": 600.0,
        "target": "<= 300 MB",
        "met": False,
    }


def test_a_finding_in_networkx_or_a_lost_file_fails_the_benchmark():
    held = {"files": 30, "corpora": {"networkx": {"files": 10}, "django": {"files": 20}}}

    def counted(files: int, findings: dict) -> dict:
        total = sum(findings.values())
        return {
            "scanned": files,
            "skipped": 0,
            "not_read": 0,
            "findings": total,
            "by_rule": findings,
        }

    clean = {
        "networkx": counted(10, {}),
        "django": counted(20, {"SQL083": 4}),
        "whole": counted(30, {}),
    }
    assert bench.real_problems(held, clean) == []
    found = {**clean, "networkx": counted(10, {"RDS009": 1})}
    assert bench.real_problems(held, found) == [
        "the networkx corpus has no database code, yet: {'RDS009': 1}"
    ]
    lost = {**clean, "whole": counted(29, {})}
    assert [p.split(" of ")[-1] for p in bench.real_problems(held, lost)] == [
        "the whole corpus's 30 files"
    ]


@pytest.fixture(scope="module")
def cached_corpus(tmp_path_factory) -> tuple[Path, dict]:
    missing = [p.pinned for p in corpus.PACKAGES if corpus.kept_download(p, DOWNLOADS) is None]
    if missing:
        pytest.skip(
            f"the real-code corpora's pinned files are not in {DOWNLOADS} ({len(missing)} "
            f"missing, {missing[0]} first): run `python benchmarks/pypi_corpus.py DIR` once "
            "to fetch them"
        )
    root = tmp_path_factory.mktemp("pypi") / "corpus"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(corpus, "_pip_download", _no_client)
        return root, corpus.build(root, downloads=DOWNLOADS)


def test_the_cached_corpus_holds_only_files_the_scan_reads(cached_corpus):
    """Every file written is one discovery finds and gives to the corpus's inputs, and every
    Python file is under the Python input's size limit (none would be SCAN001 for its size)."""
    root, held = cached_corpus
    on_disk = _rels(root)
    assert len(on_disk) == held["files"] == sum(c["files"] for c in held["corpora"].values())
    found = discover((str(root),), Config(root=root))
    assert sorted(c.rel for c in found) == on_disk
    for name, counted in held["corpora"].items():
        inputs = {c.input for c in found if c.rel.startswith(name + "/")}
        expected = corpus.TEMPLATE_INPUTS if name == "templates" else corpus.PYTHON_INPUTS
        assert inputs <= set(expected) and counted["files"] > 0, name
    sizes = [p.stat().st_size for p in root.rglob("*.py")]
    assert sizes and max(sizes) <= MAX_PYTHON_BYTES
    assert all(reader_of(Path(rel).name) is not None for rel in on_disk)
    assert (
        held["corpora"]["botocore"]["packages"]["botocore==1.35.80"]["suffixes"][".json"]["files"]
        > 0
    )  # its data/ JSON, as shipped
