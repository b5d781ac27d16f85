"""Regenerate (or check) the rule table in README.md from the rule declarations.

python scripts/readme_rules.py --write   # rewrite the table
python scripts/readme_rules.py           # exit 1 if README.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from scanner.rules import ALL_RULES
from scanner.rules.docs import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- rules:begin -->", "<!-- rules:end -->"


def updated(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{markdown_table(ALL_RULES)}{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    fresh = updated(text)
    if "--write" in sys.argv:
        README.write_text(fresh, encoding="utf-8")
        return 0
    if fresh != text:
        print("README.md rule table is out of date: run `make readme`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
