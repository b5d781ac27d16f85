"""The requirement catalogue a review judges: the Aurora DSQL migration spec, or the project's own.

A catalogue says what each requirement is and which rules evidence it; the review's matrix, the
requirement tags of its findings and ``dsql-scan rules --requirements`` all read it from here.
The built-in one is derived from ``Rule.requirements``; a project names its own file with
``requirements = "review/requirements.yaml"`` (YAML or TOML, inside the project root):

.. code-block:: yaml

    requirements:
      - id: MIG-1
        text: No Aurora RDS cluster remains.
        rules: [RDS, DSQL001]          # rule ids or prefixes
        needs: [cfn, cdk]              # input kinds of which one must be in scope
      - id: MIG-2
        text: The health check succeeds under load.
        runtime: a success rate is measured at run time
        evidence: success-rate 99/100  # judged from JUnit results: review --evidence MIG-2=FILE
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scanner.config import Config, ConfigError
from scanner.inputs import producers
from scanner.model import Kind
from scanner.review.evidence import method as evidence_method
from scanner.rules import ALL_RULES, UnknownRuleError, matching
from scanner.rules.base import Rule
from scanner.rules.requirements import REQUIREMENTS, Requirement

SPEC_NAME = "the Aurora DSQL migration spec (built in)"
ENTRY_KEYS = ("id", "text", "rules", "needs", "runtime", "evidence")
MAX_CATALOGUE_BYTES = 1024 * 1024
# ids appear in table cells, anchors and the record: short, no markup, no spaces
REQUIREMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


@dataclass(frozen=True)
class Catalogue:
    """Requirements with the rule ids that evidence each, and where they came from.

    ``source`` is the project-relative file ("" for the built-in spec) and ``digest`` the SHA-256
    of its bytes: the review records both, so ``verify`` notices an edited catalogue.
    """

    requirements: tuple[Requirement, ...]
    source: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        return f"{self.source} ({self.digest})" if self.source else SPEC_NAME

    def of_rule(self, rule_id: str) -> tuple[str, ...]:
        """The ids of the requirements a finding of ``rule_id`` contradicts, in catalogue order."""
        return tuple(r.id for r in self.requirements if rule_id in r.rules)


def default(rules: tuple[Rule, ...] = ALL_RULES) -> Catalogue:
    """The spec's requirements, each evidenced by the rules that name it."""
    return Catalogue(
        tuple(
            replace(r, rules=tuple(rule.id for rule in rules if r.id in rule.requirements))
            for r in REQUIREMENTS
        )
    )


def load(config: Config) -> Catalogue:
    """The catalogue ``config`` names, validated; the built-in spec when it names none.

    Raises ConfigError (exit 2) naming the file and the key of whatever is wrong.
    """
    if not config.requirements:
        return default()
    where = f"{config.source or 'configuration'}: requirements"
    root = config.root.resolve()
    path = (root / config.requirements).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(f"{where}: {config.requirements!r} leads outside the project")
    if not path.is_file():
        raise ConfigError(f"{where}: no such file: {config.requirements}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {config.requirements}: {exc.strerror}") from None
    if len(data) > MAX_CATALOGUE_BYTES:
        raise ConfigError(f"{where}: {config.requirements} is larger than 1 MiB")
    name = config.requirements
    table = _parse(data, path.suffix.lower(), name)
    requirements = _requirements(table, name)
    return Catalogue(requirements, name, "sha256:" + hashlib.sha256(data).hexdigest())


def _parse(data: bytes, suffix: str, name: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not UTF-8 text") from None
    if suffix == ".toml":
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{name}: invalid TOML: {exc}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: invalid YAML: {' '.join(str(exc).split())}") from None


def _requirements(table: Any, name: str) -> tuple[Requirement, ...]:
    if not isinstance(table, Mapping) or set(table) != {"requirements"}:
        raise ConfigError(f"{name}: expected exactly one key, 'requirements' (a list)")
    entries = table["requirements"]
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{name}: 'requirements' must be a non-empty list")
    out: list[Requirement] = []
    for index, entry in enumerate(entries):
        requirement = _requirement(entry, f"{name}: requirements[{index}]")
        if any(r.id == requirement.id for r in out):
            raise ConfigError(f"{name}: requirements[{index}]: duplicate id {requirement.id!r}")
        out.append(requirement)
    return tuple(out)


def _requirement(entry: Any, where: str) -> Requirement:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: must be a table with {', '.join(ENTRY_KEYS)}")
    unknown = sorted(str(k) for k in entry if k not in ENTRY_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(ENTRY_KEYS)})")
    ident, text = _text(entry, "id", where), _text(entry, "text", where)
    if not REQUIREMENT_ID.fullmatch(ident):
        raise ConfigError(
            f"{where}.id: {ident!r} is no requirement id (letters, digits, '.', '_', '-'; "
            "at most 40)"
        )
    runtime = _text(entry, "runtime", where) if "runtime" in entry else ""
    evidence = _text(entry, "evidence", where) if "evidence" in entry else ""
    if evidence:
        try:
            evidence_method(evidence)
        except ValueError as exc:
            raise ConfigError(f"{where}.evidence: {exc}") from None
    needs = _strings(entry, "needs", where)
    known = input_kinds()
    strange = [k for k in needs if k not in known]
    if strange:
        raise ConfigError(
            f"{where}.needs: unknown input kind {strange[0]!r} (known: {', '.join(known)})"
        )
    ids: dict[str, None] = {}
    for selector in _strings(entry, "rules", where):
        try:
            ids.update(dict.fromkeys(r.id for r in matching(selector)))
        except UnknownRuleError as exc:
            raise ConfigError(f"{where}.rules: {exc}") from None
    return Requirement(ident, text, needs, runtime, tuple(ids), evidence=evidence)


def _text(entry: Mapping, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}: must be a non-empty string")
    return " ".join(value.split())


def _strings(entry: Mapping, key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}.{key}: must be a list of strings")
    return tuple(v.strip() for v in value)


def input_kinds() -> tuple[str, ...]:
    """The kinds of facts some input produces (what a requirement may need), in Kind order."""
    return tuple(str(k) for k in Kind if producers(k))


def kind_label(kind: str) -> str:
    """A kind as prose (``CDK source``); anything else as it is (an input's name)."""
    try:
        return Kind(kind).label
    except ValueError:
        return kind


def kinds_text(kinds: Iterable[str]) -> str:
    """``CloudFormation template, CDK source or application code``."""
    names = [kind_label(k) for k in kinds]
    if len(names) > 2:
        return f"{', '.join(names[:-1])} or {names[-1]}"
    return " or ".join(names) if names else "input"


def listing(catalogue: Catalogue, width: int = 100) -> str:
    """``dsql-scan rules --requirements``: each requirement, what it needs, what evidences it."""
    lines = [f"Requirements: {catalogue.name}", ""]
    pad = max(len(r.id) for r in catalogue.requirements) + 2
    indent = " " * pad
    for requirement in catalogue.requirements:
        lines.append(f"{requirement.id:<{pad}}{requirement.text}")
        if requirement.runtime:
            lines += _wrapped("runtime:  ", requirement.runtime, indent, width)
        if requirement.needs:
            lines += _wrapped("needs:    ", kinds_text(requirement.needs), indent, width)
        if requirement.evidence:
            lines += _wrapped("evidence: ", evidence_text(requirement), indent, width)
        rules = ", ".join(requirement.rules) or "none"
        lines += _wrapped("rules:    ", rules, indent, width)
    return "\n".join(lines) + "\n"


def _wrapped(label: str, text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent + label,
        subsequent_indent=indent + " " * len(label),
        break_on_hyphens=False,
    )


def rule_span(ids: Iterable[str]) -> str:
    """``DSQL001-DSQL003, RDS009, 74 SQL rules``: a requirement's rules, short enough to read."""
    families: dict[str, list[str]] = {}
    for rule_id in sorted(ids):
        families.setdefault(rule_id.rstrip("0123456789"), []).append(rule_id)
    parts = []
    for family, members in families.items():
        runs: list[list[str]] = []
        for rule_id in members:
            number = int(rule_id[len(family) :] or 0)
            last = runs[-1][-1] if runs else ""
            if runs and int(last[len(family) :] or 0) == number - 1:
                runs[-1].append(rule_id)
            else:
                runs.append([rule_id])
        spans = [run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs]
        parts.append(f"{len(members)} {family} rules" if len(spans) > 3 else ", ".join(spans))
    return ", ".join(parts)


def evidence_text(requirement: Requirement) -> str:
    """``JUnit results: every test that passed in BEFORE passes in AFTER (--evidence ...)``."""
    how = evidence_method(requirement.evidence)
    return f"JUnit results: {how.text} (--evidence {how.usage(requirement.id)})"


def markdown_table(catalogue: Catalogue) -> str:
    """The README's requirement table, generated so that it cannot drift from the code."""
    rows = [
        "| id | requirement | evidenced by | needs in scope | run time only | runtime evidence |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in catalogue.requirements:
        runtime = ("yes (rules can refute it)" if r.rules else "yes") if r.runtime else ""
        if r.by_base:
            runtime = "no, with a git base (`review --base REF`); else yes"
        needs = kinds_text(r.needs) if r.needs else ""
        how = evidence_method(r.evidence) if r.evidence else None
        judged = f"`--evidence {how.usage(r.id)}`: {how.text}" if how else ""
        rows.append(
            f"| {r.id} | {r.text} | {rule_span(r.rules) or 'none'} | {needs} | {runtime} "
            f"| {judged} |"
        )
    return "\n".join(rows) + "\n"
