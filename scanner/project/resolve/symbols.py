"""Resolve values that cross the modules of a Python CDK app (see ``inputs.python_symbols``).

Within one CDK app (the facts' ``namespace``), every module's :class:`~scanner.facts.SymbolLink`
records are made absolute (``:DataStack.database`` in ``stacks/data_stack.py`` is
``stacks.data_stack.DataStack.database``) and a symbolic Target is followed through them: a
parameter to what each call site passes, an instance's attribute to what its class assigns, a
call to what the function returns, until a construct is reached. The construct is then what the
value IS (its CloudFormation type, from the catalogue), so a ``cluster_endpoint`` of an EKS
cluster stays an EKS value whatever it is called. Unresolved symbols are dropped: the facts are
what single-module analysis would have said.

Every walk is bounded (hops, results, and total steps per lookup) and cycle-safe; the order of
links is the order of files and their facts, so output is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from scanner.facts import (
    ALIAS,
    ALL_NAMES,
    BASES,
    DSQL_CLUSTER,
    RDS_PREFIX,
    FileFacts,
    Grant,
    Ingress,
    Sink,
    Target,
)
from scanner.inputs import catalog, names

CDK = "cdk:"
LOCAL = ":"
MAX_HOPS = 24  # links followed for one value
MAX_STEPS = 512  # lookups for one value, whatever the fan-out
MAX_RESULTS = 8  # constructs one value may resolve to


def module_name(path: str, app: str) -> str:
    """``stacks.data_stack`` for ``<app>/stacks/data_stack.py`` (or ``<app>/lib/data-stack.ts``;
    a package is its ``__init__``, a folder its ``index``)."""
    relative = PurePosixPath(path)
    if app not in ("", "."):
        try:
            relative = relative.relative_to(app)
        except ValueError:
            return ""
    return ".".join(names.module_parts(str(relative)))


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _short(symbol: str, module: str) -> str:
    """The symbol as its module writes it: ``DataStack.database``."""
    return symbol[len(module) + 1 :] if module and symbol.startswith(module + ".") else symbol


@dataclass
class _Origin:
    """Where a link was written: its module (for absolute names) and the file (for messages)."""

    module: str
    package: str
    path: str


@dataclass
class App:
    """The symbol table of one CDK app: absolute symbol -> (value, where it was linked)."""

    modules: dict[str, str] = field(default_factory=dict)  # module name -> path
    links: dict[str, list[tuple[Target, _Origin]]] = field(default_factory=dict)
    ports: dict[tuple[str, str], int] = field(default_factory=dict)  # database constructs
    aliases: dict[str, str] = field(default_factory=dict)  # a module's name -> another's
    barrels: dict[str, list[str]] = field(default_factory=dict)  # module -> re-exported modules
    _defined: dict[str, set[str]] = field(default_factory=dict)  # module -> its top names
    _suffixes: dict[str, str | None] = field(default_factory=dict)
    _resolved: dict[tuple[str, str], list[Target]] = field(default_factory=dict)

    def add(self, facts: FileFacts, app: str) -> None:
        module = module_name(facts.path, app)
        if not module:
            return
        self.modules[module] = facts.path
        package = module if names.is_package(facts.path) else module.rpartition(".")[0]
        origin = _Origin(module, package, facts.path)
        for link in facts.symbol_links:
            if link.symbol == ALL_NAMES:
                self.barrels.setdefault(module, []).append(self.absolute(link.value.name, origin))
                continue
            if link.symbol.startswith(ALIAS):
                name = link.symbol[len(ALIAS) :]
                self._defined.setdefault(module, set()).add(name)
                self.aliases.setdefault(_join(module, name), self.absolute(link.value.name, origin))
                continue
            if link.symbol.startswith(LOCAL):  # a name the module defines
                name = link.symbol[len(LOCAL) :].partition("(")[0].split(".")[0]
                self._defined.setdefault(module, set()).add(name)
            if link.port:
                self.ports.setdefault((link.value.name, link.value.type), link.port)
            self.links.setdefault(self.absolute(link.symbol, origin), []).append(
                (link.value, origin)
            )

    def index(self) -> None:
        """Module names by every dotted suffix, for imports written from another root."""
        for module in sorted(self.modules):
            parts = module.split(".")
            for start in range(1, len(parts)):
                suffix = ".".join(parts[start:])
                self._suffixes[suffix] = None if suffix in self._suffixes else module
        for module in self.modules:
            self._suffixes[module] = module
        if self.aliases or self.barrels:  # links written through a re-export: the definer's
            links: dict[str, list[tuple[Target, _Origin]]] = {}
            for symbol, values in self.links.items():
                links.setdefault(self.canonical(symbol), []).extend(values)
            self.links = links

    def absolute(self, symbol: str, origin: _Origin) -> str:
        """A symbol as its module wrote it, made absolute: local, relative import, absolute."""
        if symbol.startswith(LOCAL):
            return _join(origin.module, symbol[1:])
        if symbol.startswith("."):
            stripped = symbol.lstrip(".")
            up = len(symbol) - len(stripped) - 1
            base = origin.package.split(".") if origin.package else []
            base = base[: len(base) - up] if up else base
            return _join(".".join(base), stripped)
        return symbol

    def canonical(self, symbol: str) -> str:
        """An absolute import as the app's own module name (``infra.stacks.x`` -> ``stacks.x``),
        and a name a module re-exports as the module that defines it."""
        for _ in range(MAX_HOPS):
            found = self._reexported(self._module_name(symbol))
            if found == symbol:
                break
            symbol = found
        return symbol

    def _module_name(self, symbol: str) -> str:
        head, paren, tail = symbol.partition("(")
        parts = head.split(".")
        for end in range(len(parts), 0, -1):
            module = self._suffixes.get(".".join(parts[:end]))
            if module:
                return ".".join([module, *parts[end:]]) + paren + tail
        return symbol

    def _reexported(self, symbol: str) -> str:
        """``lib.DbStack(db)`` -> ``lib.db.DbStack(db)`` when ``lib`` imports ``DbStack`` from
        ``lib.db``, or re-exports all of ``lib.db`` (``export *``) and defines no ``DbStack``."""
        head, paren, tail = symbol.partition("(")
        parts = head.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            if prefix in self.aliases:
                return ".".join([self.aliases[prefix], *parts[end:]]) + paren + tail
            if end < len(parts) and parts[end] not in self._defined.get(prefix, ()):
                for source in self.barrels.get(prefix, ()):
                    module = self._module_name(source)
                    if parts[end] in self._defined.get(module, ()):
                        return ".".join([module, *parts[end:]]) + paren + tail
        return symbol

    # -- lookup --------------------------------------------------------------------------------

    def resolve(self, target: Target, origin: _Origin) -> list[Target]:
        """The constructs a symbolic target stands for (empty: unknown)."""
        key = (self.canonical(self.absolute(target.name, origin)), target.attribute)
        if key not in self._resolved:  # many uses of one symbol: walk once
            found: dict[Target, None] = {}
            self._lookup(*key, 0, frozenset(), [MAX_STEPS], found)
            self._resolved[key] = list(found)
        return self._resolved[key]

    def _lookup(
        self,
        name: str,
        attribute: str,
        hops: int,
        seen: frozenset[tuple[str, str]],
        budget: list[int],
        found: dict[Target, None],
    ) -> None:
        key = (name, attribute)
        if hops > MAX_HOPS or key in seen or budget[0] <= 0 or len(found) >= MAX_RESULTS:
            return
        budget[0] -= 1
        seen = seen | {key}
        values = self.links.get(name)
        if values:
            for value, origin in values:
                if value.is_symbol:
                    inner = self.canonical(self.absolute(value.name, origin))
                    path = _join(value.attribute, attribute)
                    self._lookup(inner, path, hops + 1, seen, budget, found)
                elif len(found) < MAX_RESULTS:
                    via = f"{_short(name, origin.module)} in {origin.path}"
                    found.setdefault(read(value, attribute, via), None)
            return
        head, _, rest = attribute.partition(".")
        if not head:
            return
        # an attribute of an instance: what its class binds to it, else what a base class does
        instance = name[:-2] if name.endswith("()") else name
        member = f"{instance}.{head}"
        bases = self.links.get(instance + BASES, []) if member not in self.links else []
        for base, origin in bases:
            inherited = self.canonical(self.absolute(base.name, origin))
            self._lookup(inherited, attribute, hops + 1, seen, budget, found)
        if not bases:
            self._lookup(member, rest, hops + 1, seen, budget, found)


def read(construct: Target, attribute: str, via: str) -> Target:
    """``attribute`` read from a construct: ``.secret`` of an RDS database is its secret, a DSQL
    cluster's CDK attribute is named as its CloudFormation attribute (what the model links)."""
    if not construct.attribute and attribute:
        head, dot, rest = attribute.partition(".")
        if head == "secret" and construct.type.startswith(RDS_PREFIX):
            return Target(f"{construct.name}.secret", catalog.SECRET, rest, True, via)
        if construct.type == DSQL_CLUSTER:
            attribute = catalog.DSQL_ATTRIBUTES.get(head, head) + dot + rest
    full = _join(construct.attribute, attribute)
    return replace(construct, attribute=full, via=via)


# -- the provider ------------------------------------------------------------------------------


def _targets(
    app: App, targets: tuple[Target, ...], origin: _Origin
) -> tuple[tuple[Target, ...], bool]:
    """Targets with each symbol replaced by what it resolves to; and whether any stayed unknown."""
    resolved: dict[Target, None] = {}
    unknown = False
    for target in targets:
        if not target.is_symbol:
            resolved.setdefault(target, None)
            continue
        found = app.resolve(target, origin)
        unknown = unknown or not found
        resolved.update(dict.fromkeys(found))
    return tuple(resolved), unknown


def _sink(app: App, sink: Sink, origin: _Origin) -> Sink:
    if not any(t.is_symbol for t in sink.targets):
        return sink
    targets, _ = _targets(app, sink.targets, origin)
    secret = sink.secret
    if not secret and any(t.type == catalog.SECRET for t in targets):
        secret = "db" if any(t.rds_secret for t in targets if t.type == catalog.SECRET) else "other"
    return replace(sink, targets=targets, secret=secret)


def _grants(app: App, grant: Grant, origin: _Origin) -> list[Grant]:
    """A grant by a granter from another module, once per construct it resolves to."""
    if grant.symbol is None:
        return [grant]
    return [
        replace(
            grant,
            target_type=t.type,
            target=t.name,
            symbol=None,
            via=t.via,
            rds_secret=t.type == catalog.SECRET and t.rds_secret,
        )
        for t in app.resolve(grant.symbol, origin)
    ]


def _ingress(app: App, ingress: Ingress, origin: _Origin) -> list[Ingress]:
    """A connections rule on a database from another module opens that database's port."""
    if ingress.symbol is None:
        return [ingress]
    for target in app.resolve(ingress.symbol, origin):
        port = app.ports.get((target.name, target.type))
        if port and target.type.startswith(RDS_PREFIX) and not target.attribute:
            return [replace(ingress, from_port=port, to_port=port, symbol=None)]
    return []


def resolve_file(app: App, facts: FileFacts, origin: _Origin) -> FileFacts:
    """The file's facts with every symbol resolved; the same object when it has none."""
    symbolic_sinks = any(t.is_symbol for s in facts.sinks for t in s.targets)
    symbolic_statements = any(t.is_symbol for s in facts.statements for t in s.resource_targets)
    symbolic_grants = any(g.symbol is not None for g in facts.grants)
    symbolic_ingress = any(i.symbol is not None for i in facts.ingress)
    if not (symbolic_sinks or symbolic_statements or symbolic_grants or symbolic_ingress):
        return facts
    statements = []
    for statement in facts.statements:
        targets, unknown = _targets(app, statement.resource_targets, origin)
        if targets != statement.resource_targets:
            opaque = statement.opaque_resources or unknown
            statement = replace(statement, resource_targets=targets, opaque_resources=opaque)
        statements.append(statement)
    return replace(
        facts,
        sinks=tuple(_sink(app, s, origin) for s in facts.sinks),
        statements=tuple(statements),
        grants=tuple(g for grant in facts.grants for g in _grants(app, grant, origin)),
        ingress=tuple(i for rule in facts.ingress for i in _ingress(app, rule, origin)),
    )


def app_of(facts: FileFacts, directories: Sequence[str]) -> str:
    """The CDK app a module belongs to: its namespace, or for a module that does not import
    aws_cdk (a props dataclass, a helper) the innermost app directory that holds it."""
    if facts.namespace.startswith(CDK):
        return facts.namespace[len(CDK) :]
    if facts.namespace:
        return ""
    holding = [d for d in directories if d == "." or facts.path.startswith(d + "/")]
    return max(holding, key=len, default="")


def resolve(files: Sequence[FileFacts]) -> list[FileFacts]:
    """Every file's facts with its symbols resolved within its CDK app (same order)."""
    directories = sorted({f.namespace[len(CDK) :] for f in files if f.namespace.startswith(CDK)})
    apps: dict[str, App] = {}
    for facts in files:
        directory = app_of(facts, directories) if facts.symbol_links else ""
        if directory:
            apps.setdefault(CDK + directory, App()).add(facts, directory)
    for app in apps.values():
        app.index()
    out: list[FileFacts] = []
    for facts in files:
        app = apps.get(facts.namespace) if facts.namespace.startswith(CDK) else None
        if app is None:
            out.append(_drop_symbols(facts))
            continue
        module = module_name(facts.path, facts.namespace[len(CDK) :])
        package = module if names.is_package(facts.path) else module.rpartition(".")[0]
        out.append(resolve_file(app, facts, _Origin(module, package, facts.path)))
    return out


def _drop_symbols(facts: FileFacts) -> FileFacts:
    """Outside a CDK app nothing can resolve a symbol: the facts single-module analysis gives."""
    return resolve_file(App(), facts, _Origin("", "", facts.path))
