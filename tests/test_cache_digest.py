"""The result cache is keyed on every file of dsql-scan's code, wherever setuptools put it.

In a checkout's editable install ``scanner.rules`` is ``rules/`` and ``scanner.reports`` is
``reports/``: a digest of ``scanner/`` alone served findings of a rule as it was before an edit.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from scanner.rules import lookup
from scanner.run import cache
from scanner.run.cache import LAYOUT, code_digest, package_roots, parser_identities
from tests.conftest import EXAMPLES, ROOT, python_output


def _copy(tmp: Path) -> tuple[tuple[str, Path], ...]:
    """The packages' code copied below ``tmp``, one directory per package, as roots."""
    copied = []
    for name, root in package_roots():
        target = tmp / name
        shutil.copytree(root, target, ignore=shutil.ignore_patterns("__pycache__"))
        copied.append((name, target))
    return tuple(copied)


def _module_of(rule_id: str) -> Path:
    """The source file that declares a rule's check, wherever the rules package lives."""
    (rule,) = lookup(rule_id)
    assert rule.check is not None
    return Path(sys.modules[rule.check.__module__].__file__ or "")


def _located(path: Path) -> tuple[str, Path]:
    """(package root's name, path relative to it) of one of dsql-scan's files."""
    path = Path(os.path.realpath(path))
    ((name, root),) = [(n, r) for n, r in package_roots() if path.is_relative_to(r)]
    return name, path.relative_to(root)


def test_every_package_pyproject_declares_is_below_a_digested_root():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    roots = [root for _, root in package_roots()]
    for package in declared["packages"]:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations, package
        for location in spec.submodule_search_locations:
            where = Path(os.path.realpath(location))
            assert any(where.is_relative_to(root) for root in roots), (package, where)


def test_the_rules_are_digested_wherever_they_are_installed():
    assert _located(_module_of("RDS001"))[1].suffix == ".py"
    assert _located(Path(cache.__file__)) == ("scanner", Path("run/cache.py"))


def test_editing_a_rule_module_changes_the_digest_and_touching_it_does_not(tmp_path):
    roots = _copy(tmp_path)
    before = code_digest(roots)
    assert code_digest(roots) == before, "the same code, the same digest"
    package, rule = _located(_module_of("RDS001"))
    module = dict(roots)[package] / rule
    os.utime(module, ns=(1, 1))
    (module.parent / "__pycache__").mkdir(exist_ok=True)
    (module.parent / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"\0")
    assert code_digest(roots) == before, "times and bytecode decide nothing"
    module.write_text(module.read_text() + "\n# edited\n")
    edited = code_digest(roots)
    assert edited != before
    (module.parent / "extra.py").write_text("")
    assert code_digest(roots) not in (before, edited), "a new file counts"


def test_the_parsers_the_inputs_import_are_part_of_the_key_without_being_imported():
    code = (
        "import sys\n"
        "from scanner.run.cache import parser_identities\n"
        "print(parser_identities())\n"
        "print(any(m in sys.modules for m in ('cfnlint', 'libcst', 'detect_secrets')))\n"
    )
    identities, imported = python_output(code).splitlines()
    assert "cfnlint:" in identities and "libcst:" in identities and "missing" not in identities
    assert "detect_secrets:" in identities, "what masking finds decides what a run shows"
    assert imported == "False"
    assert parser_identities() == parser_identities()


def test_a_changed_rule_module_invalidates_a_warm_cache_of_the_installed_command(tmp_path):
    """The real console script, running a copy of the code laid out as a wheel installs it."""
    site = tmp_path / "site"
    for name, root in package_roots():
        target = site.joinpath(*name.split("."))
        shutil.copytree(root, target, ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "DSQL_SCAN_CACHE_DIR": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }
    command = [str(Path(sys.executable).parent / "dsql-scan"), "scan", str(EXAMPLES / "legacy")]
    command += ["--format", "json"]

    def run() -> tuple[str, set[Path]]:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 1, done.stderr
        return done.stdout, {p for p in (tmp_path / "cache" / LAYOUT).rglob("*") if p.is_file()}

    cold, entries = run()
    warm, again = run()
    assert warm == cold and again == entries, "nothing changed: every file from the cache"
    package, rule = _located(_module_of("RDS001"))
    module = site.joinpath(*package.split("."), rule)
    module.write_text(module.read_text() + "\n# edited\n")
    edited, after = run()
    assert edited == cold
    assert after > entries and len(after) == 2 * len(entries), "every file analysed again"
    assert cache.tool_digest() == cache.tool_digest()
