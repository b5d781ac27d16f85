"""Prove a change leaves behaviour alone: scan fixed corpora and compare the JSON, byte for byte.

    python scripts/compare_outputs.py snapshot DIR   # before the change: write DIR/*.json
    python scripts/compare_outputs.py compare DIR    # after it: exit 1 on any difference

The corpora are the shipped examples (each system, and the whole folder), the benchmark's
generated corpus (``benchmarks/corpus.py``, fixed seed) and a corpus of real code the project
did not write: the installed sources of click, jinja2 and yaml.
Each is copied to a fixed place first, so that absolute paths in the output cannot differ
between the two runs. Scans run with ``--no-cache`` from the ``dsql-scan`` beside this Python.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "dsql-scan"
WORK = Path(tempfile.gettempdir()) / "dsql-scan-compare"
LIBRARIES = ("click", "jinja2", "yaml")
FORMATS = ("json", "text")


def _site_packages() -> Path:
    return Path(next(p for p in sys.path if p.endswith("site-packages")))


def _copy(source: Path, name: str) -> Path:
    target = WORK / name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def corpora() -> dict[str, Path]:
    """Name -> directory of every corpus, rebuilt from scratch under WORK."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    found = {
        "examples": _copy(ROOT / "examples", "examples"),
        "examples-legacy": WORK / "examples" / "legacy",
        "examples-migrated": WORK / "examples" / "migrated",
    }
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import build

    build(WORK / "generated", 300, 300)
    found["generated"] = WORK / "generated"
    site = _site_packages()
    real = WORK / "real"
    for library in LIBRARIES:
        shutil.copytree(site / library, real / library, ignore=shutil.ignore_patterns("*.pyc"))
    found["real"] = real
    return found


def scan(directory: Path, fmt: str) -> bytes:
    command = [str(BIN), "scan", str(directory), "--no-cache", "--format", fmt, "--jobs", "1"]
    done = subprocess.run(command, capture_output=True, cwd=directory, check=False)
    return done.stdout + f"\n-- exit {done.returncode}\n".encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("snapshot", "compare"))
    parser.add_argument("directory", type=Path)
    args = parser.parse_args()
    args.directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, directory in corpora().items():
        for fmt in FORMATS:
            output = scan(directory, fmt)
            stored = args.directory / f"{name}.{fmt}"
            if args.mode == "snapshot":
                stored.write_bytes(output)
                print(f"{name}.{fmt}: {len(output)} bytes")
                continue
            before = stored.read_bytes()
            same = before == output
            print(f"{name}.{fmt}: {'identical' if same else 'DIFFERENT'} ({len(output)} bytes)")
            if not same:
                changed.append(stored.name)
                diff = difflib.unified_diff(
                    before.decode(errors="replace").splitlines(),
                    output.decode(errors="replace").splitlines(),
                    "before",
                    "after",
                    lineterm="",
                    n=1,
                )
                print("\n".join(list(diff)[:40]))
    if changed:
        print(f"{len(changed)} output(s) changed: {', '.join(changed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
