"""Cross-stack values: ``Fn::ImportValue`` followed to the Export that carries the value.

CDK turns a reference to another stack's resource into ``Fn::ImportValue:
"<ExportingStack>:ExportsOutput..."`` in the consumer and an Output with that Export in the
producer; hand-written stacks do the same with names built by ``Fn::Sub``/``Fn::Join``
(``${AWS::StackName}-ClusterArn``, a parameter naming the other stack). The template input
records each import by the text of its name, with what it could not fill left as ``${...}``;
here every import is matched against the exports in scope and replaced by the targets of the
exported value (``Ref``/``GetAtt``/``Sub``/``Join``/``If``/``Select`` inside, as the input read
them), through any number of re-exports.

A name matches an export when they are equal, or when one has placeholders and the other fits
them; a name that fits more than one export is ambiguous and stays an import (unknown), as does
one whose export is outside the scan.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from scanner.facts import IMPORT, FileFacts, IamStatement, Sink, Target, namespace_of

MAX_HOPS = 32  # re-exports of re-exports beyond this are left unresolved, not an error
PLACEHOLDER = "${"


@dataclass(frozen=True)
class Export:
    """An exported value: the Export's name, the value's targets, and where it was declared."""

    name: str
    sink: Sink
    namespace: str
    stack: str

    @property
    def label(self) -> str:
        """How messages name it: "DatabaseStack's export 'Db:ExportsOutputRefLedger'"."""
        owner = self.stack or self.sink.location.path
        return f"{owner}'s export '{self.name}'"


def pieces(name: str) -> list[str]:
    """The literal text between a name's ``${...}`` placeholders (two pieces per wildcard gap)."""
    out: list[str] = []
    rest = name
    while (start := rest.find(PLACEHOLDER)) >= 0:
        close = rest.find("}", start)
        if close < 0:
            break
        out.append(rest[:start])
        rest = rest[close + 1 :]
    out.append(rest)
    return out


def fits(pattern: list[str], text: str) -> bool:
    """Does ``text`` fit a name whose literal pieces are ``pattern`` (a wildcard between each)?

    The classic greedy glob match: the first piece is a prefix, the last a suffix, the middle
    ones found leftmost in order. Linear in the text for each piece, whatever the input (no
    regular expression that could backtrack on hostile names).
    """
    if len(pattern) == 1:
        return text == pattern[0]
    first, *middle, last = pattern
    if not text.startswith(first) or len(text) < len(first) + len(last):
        return False
    position = len(first)
    end = len(text) - len(last)
    for piece in middle:
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return text.endswith(last)


class Exports:
    """Every Export in scope. A literal name is owned by one stack (the first file by path wins
    a duplicate, as a deploy would refuse the second); names with placeholders are kept apart,
    since ``${AWS::StackName}-arn`` of two stacks are two names."""

    def __init__(self, files: Sequence[FileFacts]) -> None:
        self.literal: dict[str, Export] = {}
        self.patterned: list[Export] = []
        for facts in sorted(files, key=lambda f: f.path):
            for sink in facts.sinks:
                if sink.kind != "export" or not sink.export_name:
                    continue
                export = Export(sink.export_name, sink, namespace_of(facts), sink.location.stack)
                if PLACEHOLDER in export.name:
                    self.patterned.append(export)
                else:
                    self.literal.setdefault(export.name, export)

    def __bool__(self) -> bool:
        return bool(self.literal or self.patterned)

    def find(self, name: str) -> Export | None:
        """The one export an import name designates, else None (absent or ambiguous)."""
        if PLACEHOLDER not in name:
            exact = self.literal.get(name)
            if exact is not None:
                return exact
            candidates = [e for e in self.patterned if fits(pieces(e.name), name)]
        else:
            shape = pieces(name)
            candidates = [e for e in self.literal.values() if fits(shape, e.name)]
            candidates += [e for e in self.patterned if pieces(e.name) == shape]
        return candidates[0] if len(candidates) == 1 else None

    def targets(self, target: Target, seen: frozenset[str] = frozenset()) -> tuple[Target, ...]:
        """What an import target stands for: the exported value's targets, each marked with the
        export it came through; the import itself when it cannot be followed."""
        if target.type != IMPORT:
            return (target,)
        export = self.find(target.name)
        if export is None or export.name in seen or len(seen) >= MAX_HOPS:
            return (target,)
        found: list[Target] = []
        for inner in export.sink.targets:
            for resolved in self.targets(inner, seen | {export.name}):
                if resolved.type == IMPORT:
                    found.append(resolved)
                    continue
                via = f"{export.label} via {resolved.via}" if resolved.via else export.label
                owner = resolved.namespace or export.namespace
                found.append(replace(resolved, namespace=owner, via=via))
        return tuple(found) or (target,)


def _resolved(targets: tuple[Target, ...], exports: Exports) -> tuple[Target, ...]:
    if not any(t.type == IMPORT for t in targets):
        return targets
    return tuple(dict.fromkeys(r for t in targets for r in exports.targets(t)))


def _sinks(sinks: tuple[Sink, ...], exports: Exports) -> Iterator[Sink]:
    """Sinks with their imports resolved; one that turns out to carry an RDS credentials secret
    hands over database credentials (``Sink.secret``), as if the secret were declared here."""
    for sink in sinks:
        targets = _resolved(sink.targets, exports)
        if targets is sink.targets:
            yield sink
            continue
        secret = "db" if any(t.rds_secret for t in targets) else sink.secret
        yield replace(sink, targets=targets, secret=secret)


def _statements(statements: tuple[IamStatement, ...], exports: Exports) -> Iterator[IamStatement]:
    for statement in statements:
        targets = _resolved(statement.resource_targets, exports)
        changed = targets is not statement.resource_targets
        yield replace(statement, resource_targets=targets) if changed else statement


def _imports_anything(facts: FileFacts) -> bool:
    return any(t.type == IMPORT for s in facts.sinks for t in s.targets) or any(
        t.type == IMPORT for s in facts.statements for t in s.resource_targets
    )


def resolve(files: Sequence[FileFacts]) -> list[FileFacts]:
    """Each file with its imports replaced by what the exports in scope carry."""
    exports = Exports(files)
    if not exports:
        return list(files)
    out = []
    for facts in files:
        if _imports_anything(facts):
            sinks = tuple(_sinks(facts.sinks, exports))
            statements = tuple(_statements(facts.statements, exports))
            if sinks != facts.sinks or statements != facts.statements:
                facts = replace(facts, sinks=sinks, statements=statements)
        out.append(facts)
    return out
