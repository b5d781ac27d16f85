"""A Terraform corpus nobody here wrote: configurations shipped inside PyPI and npm packages.

    python benchmarks/terraform_corpus.py ROOT      # build it under ROOT and print what it holds

Terraform modules are published to Terraform's own registry and to Git hosts, neither of which
is a registry this benchmark can pin. Some Python and npm packages ship real configurations as
package data, though: deployment tools that run ``terraform apply`` on templates they carry, and
IaC scanners' test fixtures. Each package below is fetched at a pinned version by its registry's
ordinary client (``pip download``, ``npm pack``: no dependencies, no install), checked against
its pinned digest (SHA-256 for PyPI files, npm's SHA-512 integrity for tarballs), and kept in a
downloads directory, so every run after the first is offline. The files the Terraform input
reads (``.tf``, ``.tf.json``, ``.tfvars``, ``.tfvars.json``) are unpacked under
``ROOT/<package>/`` with their paths inside the package kept, so that modules stay modules (a
directory of ``.tf`` files, its local ``source = "./modules/x"`` calls intact). Directories
discovery never enters (``dist/``, ``node_modules/``...) are left out, so the scan and the
parse-only floor read the same files.

The packages, 670 files once filtered (659 ``.tf``, 8 ``.tfvars``, 3 ``.tfvars.json``), 1.33 MB:
- nebari 2025.10.1 and its predecessor qhub 0.4.5: a data-science platform's deployment in
  staged root modules for AWS, GCP, Azure, DigitalOcean and Kubernetes with Helm (qhub's AWS
  stage has an Aurora cluster: ``aws_rds_cluster`` with its instances);
- jupyter-deploy's three AWS templates (EC2 and EKS, each a root module with local modules);
- mlstacks 0.10.0 (ZenML's MLOps stacks for AWS, GCP, k3d), determined 0.38.1 (its GCP
  deployment, Cloud SQL included);
- tf-policy-validator 0.0.9 (IAM policy fixtures) and Terrascan 0.2.3 (its test
  configurations: ``aws_db_instance``, ``aws_rds_cluster``, written in Terraform 0.11's style);
- three Amplication code-generation plug-ins (npm): an RDS module, ECS and the VPC core, as
  templates with ``${{ PLACEHOLDER }}`` left in, which Terraform itself would refuse: bad input
  found in the wild (their ``dist/`` copies are left out, as discovery leaves them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import npm_corpus  # noqa: E402
from npm_corpus import Unavailable  # noqa: E402

from scanner.inputs import named  # noqa: E402
from scanner.pipeline.discover import DEFAULT_EXCLUDES  # noqa: E402

PIP_SECONDS = 600
READER = named("terraform")


@dataclass(frozen=True)
class Package:
    """One package at a pinned version: where it comes from, the digest of the file that
    registry serves, and its licence (the corpus's attribution)."""

    registry: str  # "pypi" or "npm"
    name: str
    version: str
    digest: str  # PyPI: "sha256:<hex>" of the wheel or sdist; npm: "sha512-<base64>"
    licence: str
    sdist: bool = False  # PyPI: fetch the source distribution (the package has no wheel)

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}" if self.registry == "npm" else self.pinned

    @property
    def pinned(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def folder(self) -> str:
        """The corpus directory its files go under (an npm scope becomes a folder)."""
        return self.name.lstrip("@")


PACKAGES = (
    Package(
        "pypi",
        "nebari",
        "2025.10.1",
        "sha256:7538f8f89e0ff1b9dc40d9f6de43c715d18f443eabf239d39bb370ce78345609",
        "BSD-3-Clause",
    ),
    Package(
        "pypi",
        "qhub",
        "0.4.5",
        "sha256:b4a54296860c5e5787ec5edfefb1d045abb1f81711446e190e24d25b1700df50",
        "BSD-3-Clause",
    ),
    Package(
        "pypi",
        "jupyter-deploy-tf-aws-ec2-base",
        "0.6.3",
        "sha256:deecef0b33c9c12039333fd599664d0366321bf4504cfa7f867dea00f9ab7513",
        "MIT",
    ),
    Package(
        "pypi",
        "jupyter-deploy-tf-aws-ec2-jupyterlab",
        "0.1.2",
        "sha256:10cdf3d2dadc30162de664a18a5ab1bcac52d21bf4a2116c7cc3388ffd191642",
        "MIT",
    ),
    Package(
        "pypi",
        "jupyter-deploy-tf-aws-eks-oidc",
        "0.4.1",
        "sha256:692d1eb5a7a876e2032a7fe5af81c112adbb990713eb279c21a3a4c4dbd78bf8",
        "MIT",
    ),
    Package(
        "pypi",
        "mlstacks",
        "0.10.0",
        "sha256:069869fc34eba42ae0ccfe2369e7825d8164743317102bde334db51076029d46",
        "Apache-2.0",
    ),
    Package(
        "pypi",
        "determined",
        "0.38.1",
        "sha256:22883b24c642afe2ebadc569cbe54b4c576571a97410987bac2eb1a46d3af7c0",
        "Apache-2.0",
    ),
    Package(
        "pypi",
        "tf-policy-validator",
        "0.0.9",
        "sha256:24752d6d823a87e7365d9dbd7f4e573353ca02e01c58419f5e520facf10e94fc",
        "MIT-0",
    ),
    Package(
        "pypi",
        "Terrascan",
        "0.2.3",
        "sha256:b44d8c7eac96aa8094865061783ab0e8e849690b8187b75778caf5dd34002d18",
        "Apache-2.0",
        sdist=True,
    ),
    Package(
        "npm",
        "@amplication/plugin-provisioning-terraform-aws-core",
        "1.0.3",
        "sha512-LahMZbt/CnEsPdwQNLAN23u8haelol63IR1DN9s6gC4vDp1VG2EBhID/lKn66YeMnNyp77Hpki0n/PcJiJFsmg==",
        "Apache-2.0",
    ),
    Package(
        "npm",
        "@amplication/plugin-provisioning-terraform-aws-database-rds",
        "1.0.3",
        "sha512-WSn6UaiahgwJsmEqqXtDuFjpPgvPHL4dgHizvN0xRqnrub0v4CfEKopub8jtUa2c3XkF/jJxrQK9Xd5In/kXYg==",
        "Apache-2.0",
    ),
    Package(
        "npm",
        "@amplication/plugin-provisioning-terraform-aws-deployment-ecs",
        "1.0.3",
        "sha512-0UXJOUoomssI98TE+nSTUFToVNM4ReRjBWjTxFJMNNVT6x4/2+0JP7T3bqVhTWXmC4wiJda+FFnV4kozgcNFMw==",
        "Apache-2.0",
    ),
)


def default_downloads() -> Path:
    """Where fetched packages are kept between runs (the user's cache directory)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dsql-scan-benchmarks" / "terraform"


def digest_of(package: Package, data: bytes) -> str:
    if package.registry == "npm":
        return npm_corpus.integrity_of(data)
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _kept(folder: Path, package: Package) -> Path | None:
    """The package's file in its download folder, when it is there with the pinned digest."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        if path.is_file() and digest_of(package, path.read_bytes()) == package.digest:
            return path
    return None


def _pip_download(package: Package, into: Path) -> None:
    """``pip download`` of one pinned file, no dependencies. A wheel for any Python (some of
    these packages declare a newer Python than the benchmark's own), or the sdist."""
    if package.sdist:
        flags = ("--no-binary", ":all:")
    else:
        flags = ("--only-binary", ":all:", "--python-version", "3.12")
    pip_download(package.pinned, into, flags)


def pip_download(pinned: str, into: Path, flags: tuple[str, ...]) -> None:
    """``pip download --no-deps`` of ``pinned`` into ``into``, ``flags`` choosing the kind of
    file; Unavailable, with pip's last word, when it fails or takes over PIP_SECONDS."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into), *flags]
    try:
        done = subprocess.run(
            [*command, pinned], capture_output=True, text=True, timeout=PIP_SECONDS
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"pip download {pinned} took over {PIP_SECONDS} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if "WARNING" not in line]
        raise Unavailable(f"pip download {pinned} failed: {(lines or ['no output'])[-1]}")


def fetch(
    packages: tuple[Package, ...], downloads: Path, npm: str | None = None
) -> dict[str, Path]:
    """package spec -> its pinned file under ``downloads``: taken from there when a run already
    fetched it, else fetched now (pip for PyPI, one ``npm pack`` for the npm packages)."""
    found: dict[str, Path] = {}
    missing_npm = []
    for package in packages:
        folder = downloads / package.registry / f"{package.folder}-{package.version}"
        path = _kept(folder, package)
        if path is None and package.registry == "pypi":
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            _pip_download(package, folder)
            path = _kept(folder, package)
            if path is None:
                raise Unavailable(f"{package.pinned} is not the pinned file")
        if path is None:
            missing_npm.append(package)
        else:
            found[package.spec] = path
    if missing_npm:
        specs = tuple(npm_corpus.Package(p.name, p.version, p.digest) for p in missing_npm)
        tarballs = npm_corpus.fetch(specs, downloads / "npm-pack", npm)
        for package in missing_npm:
            folder = downloads / "npm" / f"{package.folder}-{package.version}"
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / tarballs[package.spec].name
            shutil.move(tarballs[package.spec], target)
            found[package.spec] = target
    return found


def members(archive: Path) -> list[tuple[PurePosixPath, bytes]]:
    """(path inside the package, bytes) of every regular file of a wheel, sdist or npm
    tarball. An sdist's and a tarball's top folder (``name-1.0/``, ``package/``) is dropped:
    a wheel's paths are already the package's."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return [
                (PurePosixPath(info.filename), wheel.read(info))
                for info in wheel.infolist()
                if not info.is_dir()
            ]
    found = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2:
                continue
            source = tar.extractfile(member)
            if source is not None:
                found.append((PurePosixPath(*parts[1:]), source.read()))
    return found


def kept(rel: PurePosixPath) -> bool:
    """Whether discovery reads this file of a package with the Terraform input: one of its
    suffixes, outside the directories the walk skips."""
    if ".." in rel.parts or rel.is_absolute():
        return False
    if any(part in DEFAULT_EXCLUDES for part in rel.parts[:-1]):
        return False
    return bool(READER.claims(rel.name))


def unpack(archive: Path, into: Path) -> list[Path]:
    """The package's Terraform files written under ``into``, their paths kept; sorted."""
    written = []
    for rel, data in members(archive):
        if not kept(rel):
            continue
        target = into.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return sorted(written)


def build(
    root: Path,
    packages: tuple[Package, ...] = PACKAGES,
    downloads: Path | None = None,
    npm: str | None = None,
) -> dict:
    """Fetch (or reuse) and unpack the corpus under ``root``; returns what it holds. Raises
    ``Unavailable`` when it cannot be had."""
    archives = fetch(packages, downloads or default_downloads(), npm)
    per_package: dict[str, int] = {}
    suffixes: Counter = Counter()
    size = 0
    for package in packages:
        files = unpack(archives[package.spec], root / package.folder)
        per_package[package.spec] = len(files)
        suffixes.update(READER.claims(path.name) for path in files)
        size += sum(path.stat().st_size for path in files)
    return {
        "files": sum(per_package.values()),
        "bytes": size,
        "packages": per_package,
        "suffixes": dict(sorted(suffixes.items())),
    }


def sources(root: Path) -> list[Path]:
    """The corpus's files, in a fixed order."""
    return sorted(p for p in root.rglob("*") if p.is_file() and READER.claims(p.name))


def refusals(paths: list[Path]) -> dict[Path, str]:
    """The files python-hcl2 refuses (JSON ones: ``json``), with the parser's reason: every other
    file is valid HCL, which the scanner must read without SCAN001."""
    from hcl2.api import parses_to_tree

    refused = {}
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            json.loads(text) if path.name.lower().endswith(".json") else parses_to_tree(text)
        except Exception as error:  # whatever the parser raises, the file is not valid to it
            refused[path] = f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    return refused


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("--downloads", type=Path, default=None)
    args = parser.parse_args()
    print(json.dumps(build(args.root, downloads=args.downloads), indent=1))


if __name__ == "__main__":
    main()
