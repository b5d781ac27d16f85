"""Helpers shared by the report-format tests: parse what the CI consumers would parse."""

from __future__ import annotations

import re

GITHUB_COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def unescape(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def parse_github(text: str) -> list[tuple[str, dict[str, str], str]]:
    commands = []
    for line in text.splitlines():
        match = GITHUB_COMMAND.match(line)
        if match:
            props = dict(p.split("=", 1) for p in match.group(2).split(","))
            props = {k: unescape(v) for k, v in props.items()}
            commands.append((match.group(1), props, unescape(match.group(3))))
    return commands


def table_rows(markdown: str) -> list[list[str]]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    cells = [re.split(r"(?<!\\)\|", row)[1:-1] for row in rows]
    return cells[2:]  # header and separator
