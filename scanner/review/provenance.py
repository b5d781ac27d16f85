"""Which tools judged a review: dsql-scan, its rule set, and what it runs to read the inputs.

A review vouches for a result, and the result depends on the tools as much as on the code:
without dsql-lint the SQL is not checked, and a newer cfn-lint, libcst or tree-sitter grammar
can read a template or a module differently. The review records each version so that
``verify`` can say "the tools changed (dsql-lint 0.2.22 -> none)" instead of blaming code that
did not change.
"""

from __future__ import annotations

import platform
import re
import subprocess
from collections.abc import Mapping
from importlib import metadata

from scanner import __version__

# record key -> the name a reader knows the tool by, in display order
NAMES = {
    "dsql-scan": "dsql-scan",
    "ruleset": "rule set",
    "cfn-lint": "cfn-lint",
    "libcst": "libcst",
    "tree-sitter": "tree-sitter",
    "tree-sitter-typescript": "tree-sitter-typescript",
    "tree-sitter-javascript": "tree-sitter-javascript",
    "dsql-lint": "dsql-lint",
    "python": "Python",
}
NOT_INSTALLED = "not installed"
VERSION = re.compile(r"\d+(?:\.\d+)+[\w.+-]*")
LINTER_TIMEOUT = 10.0  # seconds for ``dsql-lint --version``: it answers in milliseconds


def _distribution(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def linter_version() -> str | None:
    """The version of the dsql-lint a scan would run (found as :mod:`scanner.inputs.sql.lint`
    finds it), None when there is none. Asked of the executable itself: the one run may not be
    the one a wheel installed (``$DSQL_SCAN_DSQL_LINT``, another on ``PATH``)."""
    from scanner.inputs.sql.lint import LinterMissing, find_linter

    try:
        executable = find_linter()
    except LinterMissing:
        return None
    try:
        proc = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=LINTER_TIMEOUT
        )
    except (OSError, subprocess.SubprocessError):
        return "present, version unknown"
    found = VERSION.search(proc.stdout) if proc.returncode == 0 else None
    return found.group(0) if found else "present, version unknown"


def versions() -> dict[str, str | None]:
    """Every tool of :data:`NAMES` and its version (None: not installed)."""
    from scanner.rules import RULESET_VERSION

    return {
        "dsql-scan": __version__,
        "ruleset": RULESET_VERSION,
        "cfn-lint": _distribution("cfn-lint"),
        "libcst": _distribution("libcst"),
        "tree-sitter": _distribution("tree-sitter"),
        "tree-sitter-typescript": _distribution("tree-sitter-typescript"),
        "tree-sitter-javascript": _distribution("tree-sitter-javascript"),
        "dsql-lint": linter_version(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
    }


def describe(tools: Mapping[str, str | None]) -> str:
    """``dsql-scan 0.1.0, rule set 7, ..., dsql-lint not installed, Python 3.11.7 (CPython)``."""
    return ", ".join(
        f"{NAMES[key]} {tools[key] if tools[key] is not None else NOT_INSTALLED}"
        for key in NAMES
        if key in tools
    )


def well_formed(tools: object) -> bool:
    """A recorded tools block as :func:`versions` writes it."""
    return isinstance(tools, dict) and all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in tools.items()
    )


def _shown(version: str | None) -> str:
    return "none" if version is None else version


def _order(key: str) -> tuple[int, str]:
    known = list(NAMES)
    return (known.index(key) if key in known else len(known), key)


def changes(
    recorded: Mapping[str, str | None], now: Mapping[str, str | None]
) -> tuple[tuple[str, str, str], ...]:
    """(tool, recorded, now) for each tool the review named whose version differs; "none" for a
    tool that is not installed. A tool the review did not name (written by an older dsql-scan)
    is not compared: nothing says what judged it then."""
    return tuple(
        (NAMES.get(key, key), _shown(recorded[key]), _shown(now.get(key)))
        for key in sorted(recorded, key=_order)
        if recorded[key] != now.get(key)
    )
