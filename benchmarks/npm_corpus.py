"""A JavaScript and TypeScript corpus nobody here wrote: npm packages at pinned versions.

    python benchmarks/npm_corpus.py ROOT      # build it under ROOT and print what it holds

Each package is fetched with ``npm pack`` (the npm client's own cache makes every run after the
first one local), its tarball checked against the integrity pinned below, and unpacked into
``ROOT/<package name>/``. Only the files dsql-scan reads are kept: the JavaScript and TypeScript
suffixes, less what discovery skips (``scanner.pipeline.generated``: declaration files, minified
bundles, and the directories the walk never enters, ``dist/`` and ``node_modules/`` among them).
So a cold scan and the parse-only floor parse the same files, and the same bytes on every run.

The packages, 2,004 files and 9.97 MB once filtered:
- TypeScript sources, as their authors wrote them: rxjs's ``src/`` (7.8.2 ships it), zod's
  ``src/`` (4.x ships it, tests included), pg-protocol's ``src/``;
- compiled JavaScript as tsc and bundlers write it, ESM and CommonJS side by side: drizzle-orm
  (an ORM for Postgres among others), zod's ``v4/`` and ``v3/`` output, and the AWS SDK's RDS
  client (``dist-es/`` modules and the one-file ``dist-cjs/index.js``);
- hand-written JavaScript: node-postgres (``pg``), the driver most Lambda functions use.

aws-cdk-lib is not among them: since 2.x its published modules are minified (2,493 of the
2,975 ``.js`` files outside its ``node_modules/`` average more than 500 characters a line), and
discovery skips the 683 of them large enough to be called bundles, so the rest would measure
minified code that nobody scans.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scanner.pipeline import generated
from scanner.pipeline.discover import DEFAULT_EXCLUDES


@dataclass(frozen=True)
class Package:
    """One npm package at a pinned version, and the integrity its tarball must have."""

    name: str
    version: str
    integrity: str  # "sha512-<base64>", as the registry and package-lock.json state it
    source: str = ""  # a folder for npm to pack instead of the registry's tarball (tests)

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def packed(self) -> str:
        """What ``npm pack`` is given: the registry's name@version, or the folder."""
        return self.source or self.spec


PACKAGES = (
    Package(
        "rxjs",
        "7.8.2",
        "sha512-dhKf903U/PQZY6boNNtAGdWbG85WAbjT/1xYoZIC7FAY0yWapOBQVsVrDl58W86//e1VpMNBtRV4MaXfdMySFA==",
    ),
    Package(
        "zod",
        "4.6.7",
        "sha512-g8W2D2kU6a8untc053fX1uVBKzM7yqAxW/3zwk83+6RyF2+SKOuV+c0wBDhUwzV1PaGapmZH+rmcUzPf+3CGwg==",
    ),
    Package(
        "pg-protocol",
        "1.16.1",
        "sha512-p9VOFMiHB/ZbJATetbg+99PxssTVSQRnyuPSQ67mN1+1KBOjZaZ83ZQzltnxPhJwSsC3nwVjJ10DVJlerbFzLg==",
    ),
    Package(
        "drizzle-orm",
        "0.45.4",
        "sha512-NiM1YZpJ2UxyeE67DpDDZ+Tsw4YLX3trSlkNT7Tm9eKoUNb1LvaAaQzXgYQsWs+AQ9TUmmwMmBOCXuqqxUWKKQ==",
    ),
    Package(
        "@aws-sdk/client-rds",
        "3.1178.0",
        "sha512-kag/DV387E5qAlzYlQ92S+M9NYOwwIRGDGE2f83XiyZ/PfqBqpY0jZ+PFR9BMk6fcqRBb4IjVNMQl4X4tVc+UA==",
    ),
    Package(
        "pg",
        "8.23.1",
        "sha512-aL96AHANtWjPLDOLqnhx+ngp9+UK7ETEU8VJrDCGvsSSi/mGLcWYsS6Herg7lmaBJe4uwrfqsa7gTEFaSizDoQ==",
    ),
)
NPM_SECONDS = 600  # the first run downloads about 5 MB of tarballs


class Unavailable(Exception):
    """The corpus cannot be had here (no npm, no registry, a tarball that is not the pinned
    one): the benchmark says so and measures the rest."""


def integrity_of(data: bytes) -> str:
    """A tarball's integrity the way npm writes it (Subresource Integrity, SHA-512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def fetch(packages: tuple[Package, ...], into: Path, npm: str | None = None) -> dict[str, Path]:
    """package spec -> its tarball under ``into``, each checked against its pinned integrity.

    One ``npm pack`` for all of them: npm resolves nothing else (no dependencies, no install
    scripts) and answers from its cache after the first run."""
    npm = npm or shutil.which("npm")
    if npm is None:
        raise Unavailable("npm is not on PATH")
    into.mkdir(parents=True, exist_ok=True)
    specs = [p.packed for p in packages]
    try:
        done = subprocess.run(
            [npm, "pack", "--json", "--pack-destination", str(into), *specs],
            capture_output=True,
            text=True,
            timeout=NPM_SECONDS,
            cwd=into,
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"npm pack took over {NPM_SECONDS} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"npm pack failed: {last}")
    try:
        packed = json.loads(done.stdout)
    except ValueError:
        raise Unavailable("npm pack did not answer in JSON") from None
    tarballs = {}
    for package, entry in zip(packages, packed, strict=True):
        tarball = into / entry["filename"]
        found = integrity_of(tarball.read_bytes())
        if found != package.integrity:
            raise Unavailable(f"{package.spec} is not the pinned tarball ({found[:20]}...)")
        tarballs[package.spec] = tarball
    return tarballs


def kept(rel: PurePosixPath, head: bytes) -> bool:
    """Whether discovery would read this file of a package: a JavaScript or TypeScript file
    outside the directories the walk skips, neither a declaration file nor minified."""
    if not generated.is_js_ts(rel.name) or generated.by_name(rel.name):
        return False
    if any(part in DEFAULT_EXCLUDES for part in rel.parts[:-1]):
        return False
    return not (generated.needs_content(rel.name) and generated.by_content(head))


def unpack(tarball: Path, into: Path) -> list[Path]:
    """The files of a package tarball that discovery reads, written under ``into`` (the
    tarball's ``package/`` folder stripped); returns them, sorted."""
    written = []
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2 or ".." in parts:
                continue
            rel = PurePosixPath(*parts[1:])
            source = archive.extractfile(member)
            if source is None:
                continue
            data = source.read()
            if not kept(rel, data[: generated.HEAD_BYTES]):
                continue
            target = into.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.append(target)
    return sorted(written)


def build(root: Path, packages: tuple[Package, ...] = PACKAGES, npm: str | None = None) -> dict:
    """Fetch and unpack the corpus under ``root``; returns what it holds (files per package
    and per suffix, bytes). Raises ``Unavailable`` when it cannot be had."""
    tarballs = fetch(packages, root.parent / f"{root.name}-tarballs", npm)
    per_package: dict[str, int] = {}
    suffixes: Counter = Counter()
    size = 0
    for package in packages:
        files = unpack(tarballs[package.spec], root.joinpath(*package.name.split("/")))
        per_package[package.spec] = len(files)
        suffixes.update(path.suffix for path in files)
        size += sum(path.stat().st_size for path in files)
    return {
        "files": sum(per_package.values()),
        "bytes": size,
        "packages": per_package,
        "suffixes": dict(sorted(suffixes.items())),
    }


def sources(root: Path) -> list[Path]:
    """The corpus's files, in a fixed order."""
    return sorted(p for p in root.rglob("*") if p.is_file() and generated.is_js_ts(p.name))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path)
    args = parser.parse_args()
    print(json.dumps(build(args.root), indent=1))


if __name__ == "__main__":
    main()
