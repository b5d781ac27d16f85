"""The command line: parse options, call the engine, hand the result to a reporter.

No scanning logic lives here. Every user mistake (unknown rule, bad config, missing path) is a
one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from scanner import __version__
from scanner.config import ConfigError, cache_directory, load, parse_fail_on, with_overrides
from scanner.reporters import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class DefaultGroup(click.Group):
    """``dsql-scan PATHS`` means ``dsql-scan scan PATHS``, like ruff's implicit ``check``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            args = ["scan", *args]
        return super().parse_args(ctx, args)


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    items = tuple(p.strip() for v in values for p in v.split(",") if p.strip())
    return items or None


def fail(message: str) -> None:
    click.echo(f"dsql-scan: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _use_color(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dsql-scan")
def main() -> None:
    """Static compliance scanner for Aurora RDS to Aurora DSQL migrations."""


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--config", "config_file", help="Configuration file (else discovered).")
@click.option("--select", multiple=True, help="Comma-separated rule ids or prefixes to enable.")
@click.option("--ignore", multiple=True, help="Comma-separated rule ids or prefixes to disable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]))
@click.option("--region", "regions", multiple=True, help="AWS region the templates deploy to.")
@click.option("--show-suppressed", is_flag=True, help="Include suppressed findings, marked.")
@click.option("--jobs", type=click.IntRange(min=1), help="Parallel workers (default: CPU count).")
@click.option("--no-cache", is_flag=True, help="Ignore the on-disk result cache.")
@click.option("-v", "--verbose", is_flag=True, help="List skipped files.")
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    config_file: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    regions: tuple[str, ...],
    show_suppressed: bool,
    jobs: int | None,
    no_cache: bool,
    verbose: bool,
) -> None:
    """Scan PATHS (default: the configured include, or ".") and report findings."""
    from scanner.engine import scan as run_scan
    from scanner.reporters import renderer
    from scanner.rules import UnknownRuleError, selected

    try:
        config = load(config_file)
        config = with_overrides(
            config,
            select=_split(select),
            ignore=_split(ignore),
            regions=tuple(regions) or None,
        )
        if fail_on is not None:  # "never" parses to None, so it cannot go through with_overrides
            config = replace(config, fail_on=parse_fail_on(fail_on))
        selected(config.select, config.ignore)
        cache_dir = None if no_cache else cache_directory(config)
        result = run_scan(paths, config, jobs=jobs, cache_dir=cache_dir)
    except (ConfigError, UnknownRuleError) as exc:
        fail(str(exc))
        return
    options = {"show_suppressed": show_suppressed, "verbose": verbose}
    if output:
        text = renderer(fmt)(result, color=False, **options)
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        summary = renderer("text")
        click.echo(summary(result, color=_use_color(sys.stderr), **options), err=True, nl=False)
    else:
        text = renderer(fmt)(result, color=_use_color(sys.stdout) and fmt == "text", **options)
        click.echo(text, nl=False)
    sys.exit(EXIT_FINDINGS if result.failed else EXIT_OK)


@main.command("rules")
@click.argument("rule_id", required=False)
def rules_command(rule_id: str | None) -> None:
    """List the rules, or show the documentation of RULE_ID."""
    from scanner.rules import ALL_RULES, BY_ID
    from scanner.rules.docs import describe

    if rule_id is None:
        for rule in ALL_RULES:
            kinds = ",".join(rule.kinds)
            click.echo(
                f"{rule.id:<8} {rule.severity.label:<8} {rule.name:<34} {kinds:<16} {rule.title}"
            )
        return
    rule = BY_ID.get(rule_id.strip().upper())
    if rule is None:
        fail(f"unknown rule id: {rule_id!r} (see 'dsql-scan rules')")
        return
    click.echo(describe(rule))
