"""Regenerate (or check) the rule and requirement tables in README.md from the declarations,
docs/rules.md, and the index of the rule examples written as files (rules/examples.json).

python scripts/readme_rules.py --write   # rewrite them
python scripts/readme_rules.py           # exit 1 if one is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from scanner.review import catalogue
from scanner.rules import ALL_RULES, example_files
from scanner.rules.docs import markdown_reference, markdown_table

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
REFERENCE = ROOT / "docs" / "rules.md"
EXAMPLES = ROOT / "rules" / example_files.INDEX  # shipped with the rules: `dsql-scan rules ID`
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
GENERATED = {
    "rules": lambda: markdown_table(ALL_RULES),
    "requirements": lambda: catalogue.markdown_table(catalogue.default()),
}


def updated(text: str) -> str:
    for name, table in GENERATED.items():
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{table()}{end}{tail}"
    return text


def main() -> int:
    text = README.read_text(encoding="utf-8")
    wanted = {
        README: updated(text),
        REFERENCE: markdown_reference(ALL_RULES),
        EXAMPLES: example_files.index_text(FIXTURES),
    }
    if "--write" in sys.argv:
        REFERENCE.parent.mkdir(exist_ok=True)
        for path, fresh in wanted.items():
            path.write_text(fresh, encoding="utf-8")
        return 0
    stale = [p.name for p, fresh in wanted.items() if not p.exists() or p.read_text() != fresh]
    if stale:
        print(f"{', '.join(stale)} out of date: run `make readme`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
