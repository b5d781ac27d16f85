"""The built-in rule catalogue: every rule of every family, by id, and selection by prefix.

Rules are collected by walking this package (as fixit's ``walk_module`` does): a module that
declares ``RULE`` contributes that rule, a module that declares ``RULES`` (a table-driven family)
contributes each of them. Modules whose name starts with ``_`` hold helpers shared by a family.
Adding a rule is adding a module; nothing here lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from scanner.rules.base import Example, Rule

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from scanner.config import Config

NOT_RULES = frozenset({"base", "docs", "example_files", "requirements"})  # its own machinery


def _declared(package: str, path: Iterable[str]) -> Iterator[Rule]:
    """Every rule declared under ``package``, depth first in name order."""
    for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in NOT_RULES:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        if info.ispkg:
            yield from _declared(module.__name__, module.__path__)
        if isinstance(getattr(module, "RULE", None), Rule):
            yield module.RULE
        yield from getattr(module, "RULES", ())


def _collect() -> tuple[Rule, ...]:
    found = sorted(_declared(__name__, __path__), key=lambda r: r.id)
    ids = [r.id for r in found]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise RuntimeError(f"rule ids declared twice: {', '.join(duplicated)}")
    return tuple(found)


ALL_RULES: tuple[Rule, ...] = _collect()
BY_ID: dict[str, Rule] = {r.id: r for r in ALL_RULES}
RULESET_VERSION = "1"


class UnknownRuleError(ValueError):
    """A selector that names no rule: a usage error (exit 2), never silently ignored."""


def matching(selector: str) -> tuple[Rule, ...]:
    """Rules whose id starts with ``selector`` (``RDS``, ``DSQL00``, ``RDS001``), or ALL."""
    selector = selector.strip().upper()
    if selector == "ALL":
        return ALL_RULES
    found = tuple(r for r in ALL_RULES if r.id.startswith(selector))
    if not found:
        raise UnknownRuleError(f"unknown rule id or prefix: {selector!r}")
    return found


def lookup(query: str) -> tuple[Rule, ...]:
    """The rules ``dsql-scan rules QUERY`` shows, case-insensitively: the rule with that id or
    name; else the family with that id prefix (``SQL``, ``DSQL00``); else the rules whose name
    starts with it (``rds-cred``). Empty when nothing matches."""
    query = query.strip()
    name = _name_key(query)
    exact = tuple(r for r in ALL_RULES if query.upper() == r.id or name == _name_key(r.name))
    if exact:
        return exact
    family = tuple(r for r in ALL_RULES if query and r.id.startswith(query.upper()))
    if family:
        return family
    return tuple(r for r in ALL_RULES if name and _name_key(r.name).startswith(name))


def _name_key(name: str) -> str:
    """Names compare case-insensitively and with ``-`` and ``_`` alike (dsql-lint's names use
    ``_``, dsql-scan's ``-``: nobody should need to remember which)."""
    return name.lower().replace("_", "-")


OPT_IN: frozenset[str] = frozenset(r.id for r in ALL_RULES if r.opt_in)


def selected(
    select: Iterable[str], ignore: Iterable[str], extend: Iterable[str] = ()
) -> frozenset[str]:
    """Ids enabled by ``select`` (default: every rule but the opt-in ones) plus ``extend``
    (``extend-select``), minus ``ignore``, like ruff's selection. A selector names opt-in rules
    like any other: ``--select ALL`` or ``extend-select = ["DEPLOY"]`` enables them."""
    select = tuple(select)
    chosen = {r.id for s in select for r in matching(s)} if select else set(BY_ID) - OPT_IN
    chosen |= {r.id for s in extend for r in matching(s)}
    dropped = {r.id for s in ignore for r in matching(s)}
    return frozenset(chosen - dropped)


def enabled_by(config: Config) -> frozenset[str]:
    """The rules a run with ``config`` runs: its select, extend-select and ignore."""
    return selected(config.select, config.ignore, config.extend_select)


__all__ = [
    "ALL_RULES",
    "BY_ID",
    "OPT_IN",
    "Example",
    "Rule",
    "UnknownRuleError",
    "enabled_by",
    "lookup",
    "matching",
    "selected",
]
