"""Rule documentation rendered from the declarations: ``dsql-scan rules ID`` and the README table."""

from __future__ import annotations

from scanner.rules.base import Rule


def describe(rule: Rule) -> str:
    """The full text documentation of one rule, examples included."""
    lines = [
        f"{rule.id} {rule.name} ({rule.severity.label})",
        "",
        rule.title,
        "",
        f"Applies to:   {', '.join(rule.kinds)}",
        f"Requirements: {', '.join(rule.requirements)}",
        "",
        "Why:",
        f"  {rule.rationale}",
        "",
        "Fix:",
        f"  {rule.remediation}",
    ]
    for example in rule.examples:
        verdict = f"fires {example.fires}x" if example.fires else "does not fire"
        lines += ["", f"Example ({example.file_name}, {verdict}):"]
        lines += [f"    {line}" for line in example.source.rstrip().splitlines()]
        for name, text in example.extra_files:
            lines += ["", f"  with {name}:"]
            lines += [f"    {line}" for line in text.rstrip().splitlines()]
    return "\n".join(lines) + "\n"


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
