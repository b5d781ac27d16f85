"""Shared test helpers: run the installed command as a subprocess, write files, scan in-process."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.pipeline.engine import scan
from scanner.results import ScanResult

ROOT = Path(__file__).resolve().parent.parent
# Tests about residue (RDS rules) and the scan itself; without it the DSQL requirement rules
# would also, rightly, report that a fixture has no DSQL cluster.
RESIDUE = ("--select", "RDS,SCAN")
EXAMPLES = ROOT / "examples"


def start_synth(project: Path, context: dict | None) -> subprocess.Popen:
    """``python app.py`` in ``project`` as the CDK CLI runs it, into ``project/cdk.out``, with
    ``context`` as the CLI's context (None: none at all, as an app run by hand)."""
    env = {**os.environ, "CDK_OUTDIR": str(project / "cdk.out"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CDK_CONTEXT_JSON", None)
    if context is not None:
        env["CDK_CONTEXT_JSON"] = json.dumps(context)
    return subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def cdk_unavailable() -> str:
    """Why the real aws-cdk-lib cannot synthesize here ("" when it can): tests that synth skip."""
    if importlib.util.find_spec("aws_cdk") is None:
        return "aws-cdk-lib is not installed (the 'cdk' extra; `make test` installs it)"
    if shutil.which("node") is None:
        return "node is not on PATH (aws-cdk-lib runs its constructs on node)"
    return ""


def dsql_scan_executable() -> str:
    """The console script installed next to this interpreter (the one `make test` installed)."""
    candidate = Path(sys.executable).parent / "dsql-scan"
    found = str(candidate) if candidate.exists() else shutil.which("dsql-scan")
    assert found, "dsql-scan is not installed; run `make test`"
    return found


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(*args: str, cwd: Path | str | None = None, env: dict | None = None) -> Run:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [dsql_scan_executable(), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def benchmark_module(name: str, file: str):
    """A module of ``benchmarks/`` (not a package), registered under ``name``: the name the
    benchmark's modules import each other by."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def python_output(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (to see what a run imports, from scratch)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def scan_tree(root: Path, **config: object) -> ScanResult:
    return scan((str(root),), Config(root=root, **config))


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(autouse=True, scope="session")
def _own_cache_secret(tmp_path_factory):
    """The result cache's per-user secret lives under a directory of the session's own, never
    the developer's ~/.cache, and no DSQL_SCAN_CACHE_SECRET of the caller's applies."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        patch.delenv("DSQL_SCAN_CACHE_SECRET", raising=False)
        yield
