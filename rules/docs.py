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


FENCE_LANGUAGES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".py": "python", ".sql": "sql"}


def markdown_help(rule: Rule) -> str:
    """The rule's documentation as Markdown (SARIF ``help.markdown``, shown by code scanning)."""
    parts = [
        f"**{rule.id} {rule.name}**: {rule.title}",
        "",
        f"Applies to: {', '.join(rule.kinds)}. Requirements: {', '.join(rule.requirements)}.",
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
        suffix = "." + example.file_name.rsplit(".", 1)[-1] if "." in example.file_name else ""
        language = FENCE_LANGUAGES.get(suffix, "")
        fence = "````" if "```" in example.source else "```"
        parts += ["", f"Example (`{example.file_name}`, {verdict}):", "", f"{fence}{language}"]
        parts += [example.source.rstrip(), fence]
    return "\n".join(parts) + "\n"
