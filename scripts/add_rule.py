"""Scaffold a new rule: its module in the family's folder and a fixture pair per kind it applies to.

    python scripts/add_rule.py RDS012 rds-proxy-endpoint --reads resources --severity error \\
        --requirement FR-001 --title "An RDS Proxy is still declared"

writes ``rules/rds/rds012_rds_proxy_endpoint.py`` (declaration, an empty check, one firing and one
clean example to fill in) and ``tests/fixtures/rules/RDS012/{fires,clean}.<ext>`` for every kind
the facts it reads come from (the file names are the inputs' example names: ``template.yaml`` ->
``fires.yaml``). Nothing is registered anywhere else: the catalogue walks the rules package.

The scaffold is not a rule: its examples say "fires=1" on files that do not fire yet, so the
example test fails until the check and the fixtures are written. That is the point.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULE_ID = re.compile(r"^([A-Z]+)(\d{3})$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
COMMENTS = {".py": "#", ".yaml": "#", ".yml": "#", ".sql": "--", ".tf": "#", ".ts": "//"}

MODULE = '''\
"""{id} {name}: {title}

TODO: one paragraph: what this rule flags, why it matters to a migration to Aurora DSQL, and
which facts it reads (so that every language producing them is judged alike).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.facts import FileFacts


def check(facts: FileFacts, config: Config) -> Iterator[Hit]:
    """TODO: yield a Hit(location, message) for each offending fact."""
    yield from ()


RULE = rule(
    id="{id}",
    name="{name}",
    title="{title}",
    severity=Severity.{severity},
    reads={reads},
    since="{since}",
    requirements={requirements},
    rationale="""TODO: why this is a problem.""",
    remediation="""TODO: what to do instead.""",
    examples=(
{examples}    ),
    check=check,
)
'''

EXAMPLE = '''\
        Example(
            kind="{kind}",
            fires={fires},
            code="""
            TODO: a {label} {what}
            """,
        ),
'''


def version() -> str:
    from scanner import __version__

    return __version__


def module_path(rules: Path, rule_id: str, name: str) -> Path:
    family = RULE_ID.match(rule_id).group(1).lower()
    return rules / family / f"{rule_id.lower()}_{name.replace('-', '_')}.py"


def render(args: argparse.Namespace, kinds: tuple) -> str:
    examples = "".join(
        EXAMPLE.format(
            kind=kind.value,
            fires=fires,
            label=kind.label,
            what="the rule must flag" if fires else "the rule must leave alone",
        )
        for kind in kinds
        for fires in (1, 0)
    )
    return MODULE.format(
        id=args.id,
        name=args.name,
        title=args.title,
        severity=args.severity.upper(),
        reads=repr(tuple(args.reads)),
        since=args.since or version(),
        requirements=repr(tuple(args.requirement)),
        examples=examples,
    )


def fixtures(directory: Path, kinds: tuple) -> list[Path]:
    """A firing and a clean fixture per kind, each with its expectation header."""
    from scanner.inputs import example_file

    written = []
    for kind in kinds:
        suffix = Path(example_file(kind)).suffix
        comment = COMMENTS.get(suffix)
        for stem, fires in (("fires", 1), ("clean", 0)):
            path = directory / f"{stem}{suffix}"
            header = f"dsql-scan-example: fires={fires}"
            body = f"TODO: a {kind.label} the rule must {'flag' if fires else 'leave alone'}\n"
            if comment is None:  # JSON has no comments: the header sits beside the file
                path.with_name(path.name + ".expect").write_text(header + "\n")
                path.write_text("{}\n")
            else:
                path.write_text(f"{comment} {header}\n{comment} {body}")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__ or ""))
    parser.add_argument("id", help="rule id: family prefix and three digits (RDS012)")
    parser.add_argument("name", help="kebab-case name (rds-proxy-endpoint)")
    parser.add_argument("--reads", nargs="+", required=True, help="FileFacts fields it reads")
    parser.add_argument("--title", default="TODO: one line, what is wrong")
    parser.add_argument("--severity", choices=("error", "warning", "note"), default="warning")
    parser.add_argument("--requirement", action="append", default=[], help="FR-001, SC-004...")
    parser.add_argument("--since", default="", help="release it ships in (default: current)")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to write into")
    args = parser.parse_args(argv)

    from scanner.facts import FileFacts
    from scanner.inputs import kinds_reading
    from scanner.rules import BY_ID

    if not RULE_ID.match(args.id):
        parser.error(f"rule id {args.id!r} is not a family prefix and three digits")
    if not RULE_NAME.match(args.name):
        parser.error(f"rule name {args.name!r} is not kebab-case")
    if args.id in BY_ID:
        parser.error(f"{args.id} exists already ({BY_ID[args.id].name})")
    unknown = sorted(set(args.reads) - set(FileFacts.__dataclass_fields__))
    if unknown:
        parser.error(f"not a FileFacts field: {', '.join(unknown)}")
    kinds = kinds_reading(tuple(args.reads))
    if not kinds:
        parser.error("no input produces any of those facts")
    target = module_path(args.root / "rules", args.id, args.name)
    if not target.parent.is_dir():
        parser.error(f"no family folder {target.parent} (create it with an __init__.py first)")
    target.write_text(render(args, kinds))
    directory = args.root / "tests" / "fixtures" / "rules" / args.id
    directory.mkdir(parents=True, exist_ok=True)
    written = [target, *fixtures(directory, kinds)]
    for path in written:
        print(path.relative_to(args.root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
