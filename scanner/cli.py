"""The command line: parse options, call the engine, hand the result to a reporter.

No scanning logic lives here. Every user mistake (unknown rule, bad config, missing path) is a
one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scanner import __version__, fastpaths
from scanner.config import (
    ConfigError,
    apply_command_line,
    cache_directory,
    config_candidates,
    load,
    with_overrides,
)
from scanner.reporters import FORMATS

if TYPE_CHECKING:
    from scanner.outputs import Output
    from scanner.results import ScanResult

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
REVIEW_FORMATS = {"md": "md", "markdown": "md", "html": "html"}  # as `scan --format` names them


class DefaultGroup(click.Group):
    """``dsql-scan PATHS`` means ``dsql-scan scan PATHS``, like ruff's implicit ``check``.

    A first argument that is no existing path but close to a command name is a mistyped
    command (``dsql-scan scna``): it is named as such, not scanned as a missing file.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")
        ):
            guess = mistyped_command(args[0], tuple(self.commands)) if args else ""
            if guess:
                fail(f"no such command {args[0]!r}; did you mean {guess!r}?")
            args = ["scan", *args]
        return super().parse_args(ctx, args)


def mistyped_command(word: str, commands: tuple[str, ...]) -> str:
    """The command ``word`` is a typo of, or "": never for an option, an existing path or a
    word that reads as a path (``scan.yaml``, ``infra/``: a missing file is named as one)."""
    if word.startswith("-") or any(c in word for c in "./\\") or os.path.lexists(word):
        return ""
    from difflib import get_close_matches

    close = get_close_matches(word.lower(), commands, n=1, cutoff=0.6)
    return close[0] if close else ""


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    items = tuple(p.strip() for v in values for p in v.split(",") if p.strip())
    return items or None


def fail(message: str) -> None:
    """A usage error. Messages can quote paths and values from the scanned tree, so they are
    escaped like every report (one line, no control characters)."""
    from scanner.reporters.escaping import escape_line

    click.echo(f"dsql-scan: error: {escape_line(message)}", err=True)
    sys.exit(EXIT_USAGE)


def _use_color(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dsql-scan")
def main() -> None:
    """Static compliance scanner for Aurora RDS to Aurora DSQL migrations."""
    fastpaths.collect_rarely()


@main.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    multiple=True,
    help="Report format (default text); repeat it, each with its own -o, for several reports.",
)
@click.option(
    "-o",
    "--output",
    multiple=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the report (of the --format in the same position) here; '-' is stdout.",
)
@click.option("--config", "config_file", help="Configuration file (else discovered).")
@click.option("--select", multiple=True, help="Comma-separated rule ids or prefixes to enable.")
@click.option(
    "--extend-select",
    multiple=True,
    help="Comma-separated rule ids or prefixes to enable on top of the others (e.g. DEPLOY).",
)
@click.option("--ignore", multiple=True, help="Comma-separated rule ids or prefixes to disable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]))
@click.option("--region", "regions", multiple=True, help="AWS region the templates deploy to.")
@click.option("--show-suppressed", is_flag=True, help="Include suppressed findings, marked.")
@click.option("--jobs", type=click.IntRange(min=1), help="Parallel workers (default: CPU count).")
@click.option("--no-cache", is_flag=True, help="Ignore the on-disk result cache.")
@click.option("-v", "--verbose", is_flag=True, help="List skipped files and directories, and why.")
@click.option(
    "--baseline", "baseline_file", metavar="FILE", help="Hide the findings recorded in FILE."
)
@click.option("--write-baseline", metavar="FILE", help="Record the current findings in FILE.")
@click.option(
    "--diff-base", metavar="REF", help="Report only findings on lines changed since git REF."
)
@click.option(
    "--lenient-paths",
    is_flag=True,
    help="Skip named files that neither parse nor look like templates (pre-commit names all).",
)
@click.option(
    "--preview", is_flag=True, help="Also read the languages in preview (reviews never do)."
)
def scan(
    paths: tuple[str, ...],
    fmt: tuple[str, ...],
    output: tuple[str, ...],
    config_file: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    regions: tuple[str, ...],
    show_suppressed: bool,
    jobs: int | None,
    no_cache: bool,
    verbose: bool,
    baseline_file: str | None,
    write_baseline: str | None,
    diff_base: str | None,
    lenient_paths: bool,
    preview: bool,
) -> None:
    """Scan PATHS (default: the configured include, or ".") and report findings."""
    from scanner import outputs
    from scanner.gate import baseline
    from scanner.pipeline.engine import scan as run_scan
    from scanner.rules import UnknownRuleError, enabled_by
    from scanner.run import headstart, memo, progress

    progress.enable(progress.wanted())
    if not config_file:  # configuration is looked for upwards: a new file there matters
        memo.depends_on(config_candidates(Path.cwd().resolve()))

    try:
        config = apply_command_line(
            load(config_file),
            _split(select),
            _split(ignore),
            tuple(regions) or None,
            fail_on,
            _split(extend_select),
        )
        if lenient_paths:
            config = with_overrides(config, lenient_paths=True)
        if preview:
            config = with_overrides(config, preview=True)
        enabled_by(config)
        reports = outputs.plan(fmt, output)
        accepted = baseline.load(baseline_file) if baseline_file else None
        cache_dir = None
        if not no_cache:
            cache_dir, ignored = cache_directory(config)
            if ignored:
                click.echo(f"dsql-scan: warning: {ignored}", err=True)
        changed = base = None
        if diff_base:
            from scanner.gate import basetree, gitdiff  # run git: imported only when asked for

            changed = gitdiff.changed_lines(diff_base, config.root)
            base = basetree.facts_at(diff_base, config, paths, cache_dir=cache_dir)
        worker = headstart.take()  # started by the console script when files were named
        result = run_scan(paths, config, jobs=jobs, cache_dir=cache_dir, worker=worker, base=base)
        if write_baseline:
            accepted = baseline.write(write_baseline, result)
            count = len(accepted.entries)
            entries = "entry" if count == 1 else "entries"
            click.echo(f"dsql-scan: wrote {count} baseline {entries} to {write_baseline}", err=True)
        if accepted is not None:
            result = baseline.apply(result, accepted)
        if changed is not None:
            from scanner.gate import gitdiff

            result = gitdiff.restrict(result, changed)
    except (ConfigError, UnknownRuleError) as exc:
        fail(str(exc))
        return
    _emit(result, reports, {"show_suppressed": show_suppressed, "verbose": verbose})
    sys.exit(EXIT_FINDINGS if result.failed else EXIT_OK)


def _emit(result: ScanResult, reports: tuple[Output, ...], options: dict[str, Any]) -> None:
    """Render every requested report; with report files, the text report goes to stderr."""
    from scanner.reporters import renderer
    from scanner.reporters.text_format import summary_lines

    for report in reports:
        if report.to_stdout:
            color = _use_color(sys.stdout) and report.fmt == "text"
            click.echo(renderer(report.fmt)(result, color=color, **options), nl=False)
            continue
        text = renderer(report.fmt)(result, color=False, **options)
        try:
            Path(str(report.target)).write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {report.target}: {exc.strerror or exc}")
    if any(r.to_stdout for r in reports):
        if len(reports) > 1:
            click.echo("\n".join(summary_lines(result)), err=True)
        return
    color = _use_color(sys.stderr)
    click.echo(renderer("text")(result, color=color, **options), err=True, nl=False)


@main.command("rules")
@click.argument("rule_id", required=False)
@click.option(
    "--requirements",
    "show_requirements",
    is_flag=True,
    help="List the requirements the review judges and the rules that evidence each.",
)
@click.option("--config", "config_file", help="Configuration file (else discovered).")
def rules_command(rule_id: str | None, show_requirements: bool, config_file: str | None) -> None:
    """List the rules, or show RULE_ID: an id (RDS005), a name (rds-credentials) or a unique
    prefix of one, or a family (SQL, DSQL00) to list.

    Requirement ids (FR-001..SC-004) are those of the Aurora DSQL migration spec, or of the
    catalogue the configuration names (requirements = FILE): see --requirements.
    """
    from scanner.review import catalogue as catalogues
    from scanner.rules import ALL_RULES, lookup
    from scanner.rules.docs import describe
    from scanner.rules.example_files import shipped

    if show_requirements or rule_id is not None:
        try:
            catalogue = catalogues.load(load(config_file))
        except ConfigError as exc:
            fail(str(exc))
            return
    if show_requirements:
        click.echo(catalogues.listing(catalogue), nl=False)
        return
    found = ALL_RULES if rule_id is None else lookup(rule_id)
    if not found:
        fail(f"no rule matches {rule_id!r} by id, name or prefix (see 'dsql-scan rules')")
        return
    if len(found) == 1 and rule_id is not None:
        rule = found[0]
        evidenced = [r for r in catalogue.requirements if rule.id in r.rules]
        click.echo(describe(rule, evidenced, shipped().get(rule.id, ())))
        return
    width = max(34, *(len(rule.name) for rule in found))
    id_width = max(len(rule.id) for rule in ALL_RULES)  # one layout for the list and a family
    for rule in found:
        kinds = ",".join(rule.kinds)
        click.echo(
            f"{rule.id:<{id_width}} {rule.severity.label:<8} {rule.name:<{width}} {kinds:<16} "
            f"{rule.title}"
        )


def _review_config(
    config_file: str | None,
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    regions: tuple[str, ...] | None,
    fail_on: str | None,
) -> Any:
    """Load the configuration and apply the command line, as ``scan`` does."""
    from scanner.review.attest import apply_options, recorded_options
    from scanner.rules import enabled_by

    config = load(config_file)
    config = apply_options(config, recorded_options(select, ignore, regions, fail_on))
    enabled_by(config)
    return config


@main.command()
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Write here.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "markdown", "html"], case_sensitive=False),
    help="Default: from -o suffix.",
)
@click.option("--reviewer", help='"Name <email>" (default: git user.name / user.email).')
@click.option("--sign-key", type=click.Path(dir_okay=False), help="SSH key: write OUTPUT.sig.")
@click.option("--config", "config_file", help="Configuration file (else discovered).")
@click.option("--select", multiple=True, help="Comma-separated rule ids or prefixes to enable.")
@click.option("--ignore", multiple=True, help="Comma-separated rule ids or prefixes to disable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note", "never"]))
@click.option("--region", "regions", multiple=True, help="AWS region the templates deploy to.")
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Compare with git REF what must not change (the DynamoDB layer: FR-006).",
)
@click.option(
    "--evidence",
    multiple=True,
    metavar="REQ=FILE[,FILE]",
    help="JUnit XML test results that judge a run-time requirement: SC-003=before.xml,after.xml "
    "(no regression), SC-002=health.xml (99 of the last 100 cases pass). Repeatable.",
)
def review(
    paths: tuple[str, ...],
    output: str,
    fmt: str | None,
    reviewer: str | None,
    sign_key: str | None,
    config_file: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    regions: tuple[str, ...],
    base_ref: str | None,
    evidence: tuple[str, ...],
) -> None:
    """Write the signed-off migration review of PATHS (Markdown or HTML) to OUTPUT.

    Exit 0 when the verdict is PASS or PASS WITH EXCEPTIONS (suppressed findings, each with
    its reason), 1 when it is FAIL or NOT EVIDENCED (nothing analysed, a rule disabled, or a
    required input missing), 2 on errors. Test results given with --evidence decide a run-time
    requirement no rule fails: results that do not hold fail it, and the review.
    """
    from scanner.review.attest import recorded_options, write_review
    from scanner.review.evidence import EvidenceError
    from scanner.review.model import ReviewError
    from scanner.review.signing import SigningError
    from scanner.rules import UnknownRuleError
    from scanner.run import progress

    progress.enable(progress.wanted())

    fmt = REVIEW_FORMATS.get((fmt or "").lower()) or (
        "html" if output.lower().endswith((".html", ".htm")) else "md"
    )
    options = recorded_options(_split(select), _split(ignore), tuple(regions) or None, fail_on)
    try:
        config = _review_config(
            config_file, _split(select), _split(ignore), tuple(regions) or None, fail_on
        )
        base = None
        if base_ref is not None:
            from scanner.gate import basetree

            base = basetree.facts_at(base_ref, config, paths, "--base")
            options["base"] = base.commit  # what verify compares with: the commit, not the name
        model = write_review(
            paths,
            config,
            Path(output),
            fmt=fmt,
            reviewer=reviewer,
            options=options,
            environ=os.environ,
            sign_key=Path(sign_key) if sign_key else None,
            base=base,
            evidence=evidence,
        )
    except (ConfigError, UnknownRuleError, ReviewError, SigningError, EvidenceError) as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
        return
    if model.git_error:
        from scanner.reporters.escaping import escape_line

        click.echo(escape_line(f"warning: git status unknown: {model.git_error}"), err=True)
    counts = ", ".join(f"{n} {status}" for status, n in model.counts.items())
    signed = f", signed ({output}.sig)" if sign_key else ""
    click.echo(
        f"wrote {output}: {model.verdict} ({len(model.active)} finding(s); requirements: "
        f"{counts}){signed}",
        err=True,
    )
    sys.exit(EXIT_OK if model.passed else EXIT_FINDINGS)


@main.command()
@click.argument("document", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1)
@click.option("--allowed-signers", type=click.Path(dir_okay=False), help="Check DOCUMENT.sig.")
@click.option(
    "--require-signature",
    is_flag=True,
    help="Exit 2 unless DOCUMENT.sig exists and verifies (needs --allowed-signers).",
)
@click.option("--config", "config_file", help="Configuration file (else discovered).")
def verify(
    document: str,
    paths: tuple[str, ...],
    allowed_signers: str | None,
    require_signature: bool,
    config_file: str | None,
) -> None:
    """Is the review DOCUMENT still true? Exit 0 yes, 1 the code (or a test result file it was
    given with --evidence) changed, 2 the document did."""
    from scanner.reporters.escaping import escape_line
    from scanner.review.attest import NOT_CHECKED, NOT_SIGNED, DocumentError, verify_review
    from scanner.rules import UnknownRuleError

    try:
        record, drift, confirmation = verify_review(
            Path(document),
            paths,
            load(config_file),
            allowed_signers=Path(allowed_signers) if allowed_signers else None,
            signature_required=require_signature,
            relocate=config_file is None,
        )
    except DocumentError as exc:
        fail(str(exc))
        return
    except (ConfigError, UnknownRuleError) as exc:
        fail(str(exc))
        return
    if confirmation in (NOT_SIGNED, NOT_CHECKED):
        click.echo(f"{escape_line(document)}: {confirmation}")
    else:
        click.echo(confirmation)
    for note in drift.notes():
        click.echo(note)
    if drift.clean:
        results = len(record.get("evidence", []))
        evidence = f", {results} evidence file(s)" if results else ""
        click.echo(
            f"{document}: still true ({len(record['files'])} file(s), "
            f"{len(record['findings'])} finding(s){evidence}, verdict {record.get('verdict')})"
        )
        sys.exit(EXIT_OK)
    click.echo(f"{document} {drift.headline()}:")
    click.echo("\n".join(drift.lines()))
    sys.exit(EXIT_FINDINGS)
