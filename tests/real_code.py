"""Real Python code for tests that compare two ways of doing the same thing on many modules.

This project's own modules, examples and fixtures, and a slice of the installed libraries
(click, jinja2, yaml, libcst, cfn-lint...): several hundred files of every style.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

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
