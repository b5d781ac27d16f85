"""Synthesize the example CDK apps into the cdk.out folders shipped with them.

python scripts/synth_examples.py [--language python|typescript]
    # Python apps: the `cdk` extra (aws-cdk-lib) and node; TypeScript apps: `make node`

Runs each app the way the CDK CLI does, with ``CDK_OUTDIR`` and the CLI's default
``aws:cdk:enable-path-metadata`` context: a Python app as ``python app.py``; a TypeScript app
compiled by the pinned ``tsc`` of ``.node/`` into a temporary directory (never next to its
source, where a scan would read the JavaScript too) and its entry run on ``node`` with the pinned
aws-cdk-lib on ``NODE_PATH``. Then keeps only what a scan reads: ``manifest.json`` and the
``*.template.json`` files. ``make demo`` scans the result without node.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PYTHON_APPS = (EXAMPLES / "legacy" / "cdk", EXAMPLES / "migrated" / "cdk")
TYPESCRIPT_APPS = (EXAMPLES / "legacy" / "cdk-ts", EXAMPLES / "migrated" / "cdk-ts")
CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True}
# What `make node` installs from scripts/node/package.json (pinned by its package-lock.json).
NODE_MODULES = ROOT / ".node" / "node_modules"
TSC = NODE_MODULES / ".bin" / "tsc"


def cli_env(out: Path) -> dict[str, str]:
    """The environment the CDK CLI gives an app: where to write, and the context."""
    return {**os.environ, "CDK_OUTDIR": str(out), "CDK_CONTEXT_JSON": json.dumps(CLI_CONTEXT)}


def run(command: list[str], cwd: Path, env: dict[str, str], what: str) -> None:
    """Run one step; its whole output becomes the error when it fails."""
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed:\n{proc.stdout}{proc.stderr}")


def synth(app: Path, out: Path) -> None:
    """Synthesize one Python app into ``out`` (what ``cdk synth --output out`` would write)."""
    run([sys.executable, "app.py"], app, cli_env(out), f"synth of {app}")


def typescript_unavailable() -> str:
    """Why the TypeScript apps cannot be synthesized here ("" when they can)."""
    if not TSC.exists() or not (NODE_MODULES / "aws-cdk-lib").is_dir():
        return f"the TypeScript toolchain is not installed in {NODE_MODULES.parent} (`make node`)"
    if shutil.which("node") is None:
        return "node is not on PATH"
    return ""


def typescript_entry(app: Path) -> Path:
    """The ``.ts`` file the app's cdk.json runs (``npx ts-node --prefer-ts-exts bin/app.ts``)."""
    command = json.loads((app / "cdk.json").read_text(encoding="utf-8"))["app"]
    entries = [Path(word) for word in shlex.split(command) if word.endswith(".ts")]
    if len(entries) != 1:
        raise SystemExit(f"{app}/cdk.json: expected one .ts entry in {command!r}")
    return entries[0]


def synth_typescript(app: Path, out: Path, build: Path) -> None:
    """Compile one TypeScript app into ``build`` and synthesize it into ``out``.

    The app's own tsconfig.json decides how it compiles; a config in ``build`` extends it only
    with where the output goes and where the pinned packages are (``paths``), so the compiler
    and node see the same aws-cdk-lib and the app needs no node_modules of its own.
    """
    compiled = build / "js"
    config = build / "tsconfig.json"
    config.write_text(
        json.dumps(
            {
                "extends": str(app / "tsconfig.json"),
                "compilerOptions": {
                    "rootDir": str(app),
                    "outDir": str(compiled),
                    "paths": {"*": [f"{NODE_MODULES}/*"]},
                    "noEmitOnError": True,
                },
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    run([str(TSC), "--project", str(config)], build, dict(os.environ), f"tsc of {app}")
    entry = compiled / typescript_entry(app).with_suffix(".js")
    env = {**cli_env(out), "NODE_PATH": str(NODE_MODULES)}
    run(["node", str(entry)], app, env, f"synth of {app}")


def keep_scanned(out: Path, target: Path) -> None:
    """Copy manifest.json and the templates of ``out`` into a fresh ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in sorted(out.iterdir()):
        if path.name == "manifest.json" or path.name.endswith(".template.json"):
            shutil.copy2(path, target / path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=("python", "typescript"), action="append")
    languages = parser.parse_args(argv).language or ["python", "typescript"]
    if "typescript" in languages and (why := typescript_unavailable()):
        raise SystemExit(f"cannot synthesize the TypeScript apps: {why}")
    apps = [(app, "python") for app in PYTHON_APPS if "python" in languages]
    apps += [(app, "typescript") for app in TYPESCRIPT_APPS if "typescript" in languages]
    for app, language in apps:
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "cdk.out"
            if language == "python":
                synth(app, out)
            else:
                build = Path(tmp) / "build"
                build.mkdir()
                synth_typescript(app, out, build)
            keep_scanned(out, app / "cdk.out")
        seconds = time.monotonic() - started
        print(f"synthesized {app.relative_to(ROOT)}/cdk.out ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
