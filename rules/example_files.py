"""Rule examples written as real files, and the index that ships them with the rules.

Some examples are files of their own language rather than strings in a rule's declaration
(``tests/fixtures/rules/<RULE ID>/``: ``cdk-fires.ts``, ``clean.yaml``, an app of several
modules as a directory), so that editors and linters see real TypeScript, JSON or HCL. Each
carries its expectation on its first line, in its language's comment syntax::

    // dsql-scan-example: fires=2 lines=3,7

(a language without comments, JSON, in a sibling ``<file>.expect``). ``tests/test_rule_examples.py``
scans every one of them; ``dsql-scan rules ID`` shows them beside the declared examples. The
tests live outside the installed package, so ``scripts/readme_rules.py`` (``make readme``)
collects them into ``examples.json`` beside the rules, which ships, and ``tests/test_docs.py``
keeps it current.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

INDEX = "examples.json"
# The comment marker of the header, by suffix; a suffix not here has its header in ``.expect``.
COMMENTS = {".yaml": "#", ".yml": "#", ".py": "#", ".tf": "#", ".sql": "--", ".toml": "#"}
COMMENTS |= dict.fromkeys((".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"), "//")
HEADER = re.compile(r"dsql-scan-example:\s*fires=(\d+)(?:\s+lines=(\d+(?:,\d+)*))?\s*$")
NOT_EXAMPLES = (".snap", ".expect", ".md")  # beside the examples: snapshots, JSON headers
SHARED = "_shared"


@dataclass(frozen=True)
class FileExample:
    """One example of files: what the rule finds in them (``fires`` findings, on ``lines`` of
    whichever file), and the files, the one with the expectation first."""

    rule: str
    name: str  # the example's file or directory name
    fires: int
    lines: tuple[int, ...]
    files: tuple[tuple[str, str], ...]  # (path in the example, text)

    @property
    def file_name(self) -> str:
        """The file the expectation is written in (what the example is an example of)."""
        return self.files[0][0]


def header_line(path: Path) -> str:
    """The expectation header: the first line, after the comment marker of the file's language;
    for a language without comments, the line in ``<file>.expect``. ValueError without one."""
    marker = COMMENTS.get(path.suffix.lower())
    if marker is None:
        expect = path.with_name(path.name + ".expect")
        return expect.read_text(encoding="utf-8").strip() if expect.is_file() else ""
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if not first.startswith(marker):
        raise ValueError(f"{path}: first line must be a {marker} comment")
    return first.removeprefix(marker).strip()


def expectation(path: Path) -> tuple[int, tuple[int, ...]] | None:
    """(fires, lines) from a file's header, None when it has none."""
    try:
        match = HEADER.fullmatch(header_line(path))
    except (ValueError, OSError, UnicodeDecodeError):
        return None
    if match is None:
        return None
    lines = tuple(int(n) for n in match.group(2).split(",")) if match.group(2) else ()
    return int(match.group(1)), lines


def shared_groups(root: Path) -> list[Path]:
    """The ``_shared/<group>/`` directories a directory example's name starts with, whose files
    it holds too (copied first, so that its own files win)."""
    groups = root.parent / SHARED
    if not root.is_dir() or not groups.is_dir():
        return []
    return [g for g in sorted(groups.iterdir()) if g.is_dir() and root.name.startswith(g.name)]


def members(root: Path) -> dict[str, Path]:
    """Every file of an example by its path in it: its shared groups' files, then its own."""
    if not root.is_dir():
        return {root.name: root}
    found: dict[str, Path] = {}
    for directory in (*shared_groups(root), root):
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.name.endswith(".expect"):
                found[path.relative_to(directory).as_posix()] = path
    return found


def read(root: Path) -> FileExample:
    """One example (a file, or a directory of them): ValueError unless exactly one of its files
    carries the expectation."""
    files = members(root)
    expected = {name: found for name, path in files.items() if (found := expectation(path))}
    if len(expected) != 1:
        raise ValueError(f"{root}: exactly one file must carry the header, not {sorted(expected)}")
    ((header, (fires, lines)),) = expected.items()
    ordered = [header, *(name for name in files if name != header)]
    # as decoded for display: an example of an undecodable file shows its replacement characters
    texts = tuple((name, files[name].read_bytes().decode("utf-8", "replace")) for name in ordered)
    return FileExample(root.parent.name, root.name, fires, lines, texts)


def example_roots(directory: Path) -> list[Path]:
    """The examples under ``directory`` (``<RULE ID>/<file or directory>``), in name order."""
    found = sorted(p for p in directory.glob("*/*") if not p.name.endswith(NOT_EXAMPLES))
    return [p for p in found if not p.name.startswith("_")]


def index_text(directory: Path) -> str:
    """``examples.json``: every example under ``directory``, by rule, as ``rules ID`` shows it."""
    by_rule: dict[str, list[dict[str, object]]] = {}
    for root in example_roots(directory):
        example = read(root)
        by_rule.setdefault(example.rule, []).append(
            {
                "name": example.name,
                "fires": example.fires,
                "lines": list(example.lines),
                "files": [list(pair) for pair in example.files],
            }
        )
    return json.dumps(by_rule, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@cache
def shipped() -> dict[str, tuple[FileExample, ...]]:
    """The examples of files, by rule id, from the index installed with the rules."""
    index = resources.files(__package__ or "scanner.rules").joinpath(INDEX)
    if not index.is_file():
        return {}
    data = json.loads(index.read_text(encoding="utf-8"))
    return {
        rule: tuple(
            FileExample(
                rule,
                entry["name"],
                entry["fires"],
                tuple(entry["lines"]),
                tuple((path, text) for path, text in entry["files"]),
            )
            for entry in entries
        )
        for rule, entries in data.items()
    }
