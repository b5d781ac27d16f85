"""Synthesize the example CDK apps into the cdk.out folders shipped with them.

python scripts/synth_examples.py    # needs the `cdk` extra (aws-cdk-lib) and node

Runs each app the way the CDK CLI does (``python app.py`` with ``CDK_OUTDIR`` and the CLI's
default ``aws:cdk:enable-path-metadata`` context), then keeps only what a scan reads:
``manifest.json`` and the ``*.template.json`` files. ``make demo`` scans the result without node.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
APPS = (EXAMPLES / "legacy" / "cdk", EXAMPLES / "migrated" / "cdk")
CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True}


def synth(app: Path, out: Path) -> None:
    """Synthesize one app into ``out`` (what ``cdk synth --output out`` would write)."""
    env = {**os.environ, "CDK_OUTDIR": str(out), "CDK_CONTEXT_JSON": json.dumps(CLI_CONTEXT)}
    proc = subprocess.run(
        [sys.executable, "app.py"], cwd=app, env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise SystemExit(f"synth of {app} failed:\n{proc.stdout}{proc.stderr}")


def keep_scanned(out: Path, target: Path) -> None:
    """Copy manifest.json and the templates of ``out`` into a fresh ``target``."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in sorted(out.iterdir()):
        if path.name == "manifest.json" or path.name.endswith(".template.json"):
            shutil.copy2(path, target / path.name)


def main() -> int:
    for app in APPS:
        with tempfile.TemporaryDirectory() as tmp:
            synth(app, Path(tmp))
            keep_scanned(Path(tmp), app / "cdk.out")
        print(f"synthesized {app.relative_to(EXAMPLES.parent)}/cdk.out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
