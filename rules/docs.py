"""Rule documentation rendered from the declarations: ``dsql-scan rules ID`` and the README table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.inputs import for_name, producers
from scanner.model import Kind
from scanner.rules.requirements import REQUIREMENTS, Requirement

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scanner.rules.base import Rule
    from scanner.rules.example_files import FileExample

OPT_IN_NOTE = "scan runs it only when selected (--extend-select or select naming it); review always"
PREVIEW_NOTE = "scan --preview"


def applies_to(rule: Rule) -> str:
    """The kinds of facts the rule judges, in words: ``CloudFormation template, CDK source``."""
    return ", ".join(Kind(k).label for k in rule.kinds)


def read_from(rule: Rule) -> str:
    """The languages whose files can give the rule something to judge: the inputs producing
    its kinds (asked of the registry, so a new language shows up here with no edit)."""
    found = (each for kind in rule.kinds for each in producers(Kind(kind)))
    labels = (f"{each.label} (preview)" if each.preview else each.label for each in found)
    return ", ".join(dict.fromkeys(labels)) or "the project as a whole"


def language(file_name: str) -> str:
    """The language an example file is written in, as the registry names it (``TypeScript``,
    ``Python``, ``YAML``), with a note when its input is in preview; "" for none."""
    reader = for_name(file_name)
    if reader is None:
        return ""
    named = reader.language(reader.claims(file_name))
    return f"{named}, {PREVIEW_NOTE}" if reader.preview else named


def _fence(file_name: str) -> str:
    """The Markdown code fence language of an example file (``typescript``, ``yaml``)."""
    reader = for_name(file_name)
    return reader.language(reader.claims(file_name)).lower() if reader is not None else ""


def _verdict(fires: int, lines: Sequence[int]) -> str:
    """``fires 2x on lines 3, 7``, ``does not fire``."""
    if not fires:
        return "does not fire"
    where = f" on line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}" if lines else ""
    return f"fires {fires}x{where}"


def _heading(file_name: str, verdict: str) -> str:
    """``Example in TypeScript (app.ts, fires 3x, scan --preview):``"""
    named = language(file_name)
    if not named:
        return f"Example ({file_name}, {verdict}):"
    name, _, note = named.partition(", ")
    return f"Example in {name} ({file_name}, {verdict}{', ' + note if note else ''}):"


def requirement_lines(
    requirements: Sequence[Requirement], label: str = "Requirements: "
) -> list[str]:
    """``Requirements: FR-001 One Aurora DSQL cluster...``, one requirement a line, aligned."""
    if not requirements:
        return [f"{label}none"]
    width = max(len(r.id) for r in requirements)
    pad = " " * len(label)
    return [
        f"{label if i == 0 else pad}{r.id:<{width}}  {r.text}" for i, r in enumerate(requirements)
    ]


def describe(
    rule: Rule,
    requirements: Sequence[Requirement] | None = None,
    files: Sequence[FileExample] = (),
) -> str:
    """The full text documentation of one rule, examples included.

    ``requirements`` are those its findings contradict, with their text (default: the ones of
    the Aurora DSQL migration spec the rule names), so a reader sees what FR-004 means.
    ``files`` are its examples written as files (``example_files``), shown after the declared
    ones, each named by its language.
    """
    if requirements is None:
        requirements = [r for r in REQUIREMENTS if r.id in rule.requirements]
    lines = [
        f"{rule.id} {rule.name} ({rule.severity.label})",
        "",
        rule.title,
        "",
        f"Applies to:   {applies_to(rule)}",
        f"Read from:    {read_from(rule)}",
        *([f"Since:        {rule.since}"] if rule.since else []),
        *requirement_lines(requirements),
        *([f"Opt-in:       {OPT_IN_NOTE}"] if rule.opt_in else []),
        "",
        "Why:",
        f"  {rule.rationale}",
        "",
        "Fix:",
        f"  {rule.remediation}",
    ]
    declared = [
        (e.file_name, e.fires, e.lines, ((e.file_name, e.source), *e.extra_files), e.base_sources)
        for e in rule.examples
    ]
    written = [(f.file_name, f.fires, f.lines, f.files, ()) for f in files]
    for file_name, fires, on, texts, base in (*declared, *written):
        lines += ["", _heading(file_name, _verdict(fires, on))]
        for index, (name, text) in enumerate(texts):
            lines += ["", f"  with {name}:"] if index else []
            lines += [f"    {line}" for line in text.rstrip().splitlines()]
        for name, text in base:
            lines += ["", f"  compared with {name} at the git base (--diff-base REF):"]
            lines += [f"    {line}" for line in text.rstrip().splitlines()]
    return "\n".join(lines) + "\n"


def markdown_doc(rule: Rule) -> str:
    """One rule as a Markdown section (docs/rules.md, SARIF help): prose, then its examples."""
    lines = [
        f"## {rule.id}",
        "",
        f"**{rule.name}** ({rule.severity.label}): {rule.title}.",
        "",
        f"Applies to: {applies_to(rule)}. Read from: {read_from(rule)}.",
        *([f"Since: {rule.since}."] if rule.since else []),
        f"Evidence for: {', '.join(rule.requirements)}.",
        *(["", f"Opt-in: {OPT_IN_NOTE}."] if rule.opt_in else []),
        "",
        f"**Why.** {rule.rationale}",
        "",
        f"**Fix.** {rule.remediation}",
    ]
    for example in rule.examples:
        verdict = f"reported {example.fires}x" if example.fires else "not reported"
        fence = _fence(example.file_name)
        lines += ["", f"`{example.file_name}`, {verdict}:", "", f"```{fence}"]
        lines += [example.source.rstrip(), "```"]
        for name, text in example.base_sources:
            lines += ["", f"compared with `{name}` at the git base:", "", f"```{_fence(name)}"]
            lines += [text.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def markdown_reference(rules: tuple[Rule, ...]) -> str:
    """docs/rules.md: the table, then every rule's section (the rules' helpUri points here)."""
    intro = (
        "# dsql-scan rules\n\n"
        "Generated from the rule declarations by `make readme`; do not edit by hand.\n\n"
    )
    return intro + markdown_table(rules) + "\n" + "\n".join(markdown_doc(r) for r in rules)


def markdown_table(rules: tuple[Rule, ...]) -> str:
    """The README rule table, generated so that it cannot drift from the code."""
    rows = [
        "| id | name | severity | kinds | requirements | title |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in rules:
        rows.append(
            f"| {rule.id} | {rule.name} | {rule.severity.label} | {', '.join(rule.kinds)} "
            f"| {', '.join(rule.requirements)} | {rule.title} |"
        )
    return "\n".join(rows) + "\n"


def markdown_help(rule: Rule) -> str:
    """The rule's documentation as Markdown (SARIF ``help.markdown``, shown by code scanning)."""
    parts = [
        f"**{rule.id} {rule.name}**: {rule.title}",
        "",
        f"Applies to: {applies_to(rule)}. Read from: {read_from(rule)}.",
        f"Requirements: {', '.join(rule.requirements)}.",
        "",
        "### Why",
        "",
        rule.rationale,
        "",
        "### Fix",
        "",
        rule.remediation,
    ]
    for example in rule.examples:
        verdict = f"fires {example.fires}x" if example.fires else "does not fire"
        language = _fence(example.file_name)
        fence = "````" if "```" in example.source else "```"
        parts += ["", f"Example (`{example.file_name}`, {verdict}):", "", f"{fence}{language}"]
        parts += [example.source.rstrip(), fence]
    return "\n".join(parts) + "\n"
