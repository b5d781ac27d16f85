"""A Terraform file's facts: its module lowered onto a template, the template's facts kept for
the blocks this file declares.

A variables file (``terraform.tfvars``) declares nothing itself: it is parsed (a syntax error
is SCAN001) and read by the configurations of its module.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from scanner.config import Config
from scanner.facts import Credential, FileFacts, Target
from scanner.inputs.base import Source
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python.module import suppressions_of
from scanner.inputs.terraform import hcl, scope
from scanner.model import Location, Suppression
from scanner.results import FileAnalysis

COMMENT_MARKERS = ("#", "//", "/*", "*")


def analyze(source: Source, config: Config) -> FileAnalysis:
    try:
        parsed = scope.parse_file(source.path.name, source.text, source.sha256)
    except ParseFailure as failure:
        return source.failed(failure)
    lines = source.text.splitlines()
    suppressions = tuple(_suppressions(parsed, source.rel, lines))
    namespace = "tf:" + PurePosixPath(source.rel).parent.as_posix().removeprefix(".")
    if scope.is_variables(source.path.name):
        return source.analysis(FileFacts(kind="cfn", path=source.rel, namespace=namespace))
    try:
        facts = _facts(source, config, parsed)
    except RecursionError:
        return source.failed(ParseFailure("configuration nested too deeply to analyse"))
    except Exception as exc:  # a construct the lowering misreads: say so, never guess
        return source.failed(
            ParseFailure(
                f"could not analyse this file ({type(exc).__name__} while reading it as "
                "Terraform); please report it"
            )
        )
    return source.analysis(replace(facts, namespace=namespace), suppressions)


def _facts(source: Source, config: Config, parsed: hcl.Config) -> FileFacts:
    lowered = _lowered(source, config, parsed)
    mine = {a for a, name in lowered.lowered.files.items() if name == source.path.name}
    facts = _relocated(replace(_only(lowered.facts, mine), path=source.rel), source.rel)
    if facts.clusters:
        from scanner.inputs.terraform import regions

        found = regions.diagnostics(lowered.module, facts.clusters, config.regions)
        facts = replace(facts, diagnostics=found)
    passwords = tuple(
        Credential(
            "generated-password",
            _located(source.rel, block.span, address),
            True,
            address,
        )
        for address, block in lowered.lowered.generated_passwords.items()
        if address in mine
    )
    module = lowered.module
    calls = sorted(
        {child.namespace for name in module.modules if (child := module.child(name)) is not None}
    )
    return replace(
        facts,
        credentials=facts.credentials + passwords,
        module_calls=tuple(calls),
    )


# The module's facts are extracted once, located in this path, and each file takes its own
# with its own path (``_relocated``): a module of N files is lowered once, not N times.
MODULE_PATH = "\0module"
MAX_LOWERED = 32  # lowered modules kept per process


@dataclass(frozen=True)
class _Lowered:
    """A module lowered, and every block's facts (located in ``MODULE_PATH``)."""

    module: scope.Scope
    lowering: Any
    lowered: Any
    facts: FileFacts
    elsewhere: tuple[tuple[str, str], ...]  # the local modules it read (read_elsewhere)


_lowered_modules: dict[tuple, _Lowered] = {}


def _lowered(source: Source, config: Config, parsed: hcl.Config) -> _Lowered:
    """The module of ``source`` lowered, from this process's earlier lowering of the same bytes
    when there is one (the files of a module are analysed one after the other): the module's
    own files by their digests, the local modules it read checked again."""
    from scanner.inputs.cloudformation import template
    from scanner.inputs.terraform.lower import Lowering

    root = _root(source, config)
    module = scope.load(source.path.parent.resolve(), root, config.max_file_size)
    own = module.digests.get(source.path.name)
    module.files[source.path.name] = parsed
    key = (str(source.path.parent.resolve()), str(root), config.max_file_size)
    key += tuple(sorted(module.digests.items()))
    earlier = _lowered_modules.get(key)
    if (
        own == source.sha256
        and earlier is not None
        and scope.unchanged(earlier.elsewhere, config.max_file_size)
    ):
        return earlier
    lowering = Lowering(module)
    lowered = lowering.run()
    facts, _ = template.extract(lowered.document, MODULE_PATH, "")
    found = _Lowered(module, lowering, lowered, facts, module.read_elsewhere())
    if own == source.sha256:  # the module on disk is the one analysed: worth keeping
        if len(_lowered_modules) >= MAX_LOWERED:
            _lowered_modules.clear()
        _lowered_modules[key] = found
    return found


def _relocated(value: Any, path: str) -> Any:
    """``value`` with every location in ``MODULE_PATH`` moved to ``path``, however deep."""
    if isinstance(value, Location):
        return replace(value, path=path) if value.path == MODULE_PATH else value
    if isinstance(value, tuple):
        items = tuple(_relocated(item, path) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for each in fields(value):
            old = getattr(value, each.name)
            new = _relocated(old, path)
            if new is not old:
                changed[each.name] = new
        return replace(value, **changed) if changed else value
    return value


def _root(source: Source, config: Config) -> Path:
    """The scanned tree's root: a module never reads outside it."""
    root = config.root.resolve()
    directory = source.path.parent.resolve()
    return root if directory.is_relative_to(root) else directory


def _only(facts: FileFacts, mine: set[str]) -> FileFacts:
    """The facts of the blocks this file declares (the lowering covers the whole module)."""
    changes: dict[str, Any] = {}
    for field in fields(FileFacts):
        value = getattr(facts, field.name)
        if not isinstance(value, tuple) or not value or not hasattr(value[0], "location"):
            continue
        kept = tuple(
            _qualified(item)
            for item in value
            if _owner(item) in mine and not (field.name == "resources" and _is_lookup(item))
        )
        changes[field.name] = kept
    return replace(facts, **changes)


def _is_lookup(resource: Any) -> bool:
    """A data source looks something up: it is no resource the configuration declares."""
    return resource.location.resource.startswith("data.")


def _owner(item: Any) -> str:
    resource = item.location.resource
    if not resource and getattr(item, "kind", "") in ("output", "export"):
        return f"output.{item.name}"
    return resource


def _qualified(item: Any) -> Any:
    """Targets in other modules (``modules/db//aws_rds_cluster.this``) link in their own
    namespace (``tf:modules/db``)."""
    from scanner.inputs.terraform.values import split_qualified

    def fix(target: Target) -> Target:
        directory, address = split_qualified(target.name)
        if address == target.name:
            return target
        return replace(target, name=address, namespace=f"tf:{directory}")

    for name in ("targets", "resource_targets"):
        targets = getattr(item, name, None)
        if targets:
            item = replace(item, **{name: tuple(fix(t) for t in targets)})
    return item


def _located(path: str, span: hcl.Span, resource: str) -> Location:
    return Location(
        path=path,
        line=span.line,
        column=span.column,
        end_line=span.end_line,
        end_column=span.end_column,
        resource=resource,
        snippet=resource,
    )


def _suppressions(parsed: hcl.Config, path: str, lines: list[str]) -> list[Suppression]:
    found = []
    for comment in parsed.comments:
        location = Location(path=path, line=comment.line, column=comment.column)
        found += suppressions_of(
            "# " + comment.text.lstrip("*").strip(), location, lines, COMMENT_MARKERS
        )
    return found
