"""Real Python code for tests that compare two ways of doing the same thing on many modules.

This project's own modules, examples and fixtures, and a slice of the installed libraries
(click, jinja2, yaml, libcst, cfn-lint...): several hundred files of every style.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, benchmark_module

LIBRARIES = ("click", "jinja2", "yaml", "libcst", "cfnlint", "jsonschema", "_pytest", "pip")
PER_LIBRARY = 60


@cache
def real_modules() -> tuple[Path, ...]:
    """The modules, in a fixed order; listed once per test session (it walks the checkout,
    virtualenv included, which takes half a second) however many test modules ask."""
    own = sorted(p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and "build" not in p.parts)
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    installed = []
    for name in LIBRARIES:
        installed += sorted((site / name).rglob("*.py"))[:PER_LIBRARY]
    return tuple(own + installed)


def _built(corpus: str, prefix: str) -> tuple[Any, Path | None]:
    """A benchmark corpus's module (``benchmarks/<corpus>.py``) and the corpus it builds, into
    a temporary directory removed at exit, from its checked downloads; None for the corpus when
    it cannot be had (no registry)."""
    module = benchmark_module(corpus, f"{corpus}.py")
    root = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, root, True)
    try:
        module.build(root / "corpus")
    except module.Unavailable:
        return module, None
    return module, root / "corpus"


@cache
def pypi_modules() -> tuple[Path, ...]:
    """The Python modules of the benchmark's PyPI corpora (``benchmarks/pypi_corpus.py``:
    networkx, Django, SQLAlchemy, botocore, two packages' CDK stacks, at pinned versions),
    unpacked once per test session from its checked downloads (kept between runs in
    ``~/.cache/dsql-scan-benchmarks``); none when they cannot be had (no registry)."""
    _, root = _built("pypi_corpus", "dsql-scan-pypi-")
    return () if root is None else tuple(sorted(root.rglob("*.py")))


NODE_MODULES = ROOT / ".node" / "node_modules"  # what `make test` installs from npm
SCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")
SCRIPT_PACKAGES = ("aws-cdk-lib", "constructs", "typescript")
PER_PACKAGE = 400


@cache
def real_scripts() -> tuple[Path, ...]:
    """Real TypeScript and JavaScript: the project's own TS/JS examples and fixtures, and a
    spread of the npm packages ``make test`` installs (every n-th file, so all of a package's
    folders are represented); empty packages when they are not installed."""
    own = sorted(
        p
        for folder in (ROOT / "examples", ROOT / "tests" / "fixtures")
        for p in folder.rglob("*")
        if p.suffix in SCRIPT_SUFFIXES and "node_modules" not in p.parts
    )
    installed: list[Path] = []
    for name in SCRIPT_PACKAGES:
        files = sorted(
            p
            for p in (NODE_MODULES / name).rglob("*")
            if p.suffix in SCRIPT_SUFFIXES and not p.name.endswith(".d.ts") and p.is_file()
        )
        step = max(1, len(files) // PER_PACKAGE)
        installed += files[::step][:PER_PACKAGE]
    return tuple(own + installed)


@cache
def npm_scripts() -> tuple[Path, ...]:
    """The files of the benchmark's npm corpus (``benchmarks/npm_corpus.py``: rxjs, zod,
    pg-protocol, drizzle-orm, the AWS SDK's RDS client and pg at pinned versions, 2,004 files),
    unpacked once per test session; none when npm or the registry cannot be had."""
    corpus, root = _built("npm_corpus", "dsql-scan-npm-")
    return () if root is None else tuple(corpus.sources(root))
