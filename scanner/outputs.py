"""Several reports from one scan: pair each ``--format`` with its ``-o/--output``.

A CI job usually wants SARIF for code scanning, annotations or a job summary, and a log in one
run (scanning twice would double the time and could disagree). ``--format F -o FILE`` pairs are
matched in order, like ``-o`` follows its format on the command line; ``-o -`` is standard output.
A lone ``--format`` without ``-o`` keeps the classic behaviour: the report goes to stdout.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.config import ConfigError

STDOUT = "-"


@dataclass(frozen=True)
class Output:
    """One report to produce: its format and where it goes (``None`` = standard output)."""

    fmt: str
    target: str | None = None

    @property
    def to_stdout(self) -> bool:
        return self.target is None


def plan(formats: tuple[str, ...], targets: tuple[str, ...]) -> tuple[Output, ...]:
    """Validate and pair the options; every mistake is a one-line usage error."""
    formats = formats or ("text",)
    if not targets:
        if len(formats) > 1:
            raise ConfigError(
                f"{len(formats)} --format values need one -o/--output each, in the same order"
            )
        return (Output(formats[0]),)
    if len(formats) != len(targets):
        raise ConfigError(
            f"{len(formats)} --format value(s) but {len(targets)} -o/--output value(s): "
            "give each --format its own -o/--output, in the same order"
        )
    outputs = tuple(
        Output(fmt, None if target == STDOUT else target)
        for fmt, target in zip(formats, targets, strict=True)
    )
    if sum(o.to_stdout for o in outputs) > 1:
        raise ConfigError("only one report can go to standard output (-o -)")
    files = [str(Path(o.target).resolve()) for o in outputs if o.target is not None]
    if len(files) != len(set(files)):
        raise ConfigError("two reports would be written to the same -o/--output file")
    return outputs
