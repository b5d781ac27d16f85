"""The DynamoDB layer of a tree, and what changed in it since a git base (FR-006).

A table's behaviour is more than its declaration: who may read and write it (the IAM statements
and CDK grants that reach it) and how compute finds it (the environment variables that hand its
name or ARN over). ``layer`` gathers all three per table from a tree's facts; ``changes`` compares
two layers and says, per table, what a deployment of the working tree would do to it that the
base would not: replace it (its data is gone), or change it.

Tables are identified as the deployment tool identifies them: by the namespace of their file
(a template, a CDK app, a Terraform module) and their logical id, construct id or address. A
table whose identity changed but whose physical name, construct id or key schema shows it is
the same table is reported as replaced, with the reason, rather than as one removed and one new.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from scanner.facts import DynamoTable, FileFacts, Target, namespace_of
from scanner.inputs import dynamodb as ddb
from scanner.model import Location

NAMED_GRANTS = 3  # more lost actions than this are counted, not listed


@dataclass(frozen=True)
class TableKey:
    namespace: str
    name: str


@dataclass(frozen=True)
class Access:
    """Who reaches a table with what: ``principal`` (a role, a function) and the IAM actions
    or CDK grant methods that reach it, where they are declared."""

    principal: str
    actions: frozenset[str]
    location: Location


@dataclass(frozen=True)
class Wiring:
    """An environment variable that hands a table (its name, ARN or stream) to compute."""

    owner: str
    variable: str
    attribute: str
    location: Location


@dataclass(frozen=True)
class TableState:
    """One table with the access and wiring that reach it."""

    key: TableKey
    table: DynamoTable
    access: tuple[Access, ...] = ()
    wiring: tuple[Wiring, ...] = ()


@dataclass(frozen=True)
class Change:
    """One difference between the base and the working tree, located in the working tree.

    ``replaces``: the deployment replaces or deletes the table (its data is lost).
    """

    table: str
    location: Location
    message: str
    replaces: bool


@dataclass(frozen=True)
class Comparison:
    """The working tree's DynamoDB layer against the base's: how many tables the base has
    (what "unchanged" speaks for), how many are new, and every change."""

    tables: int
    added: int
    changes: tuple[Change, ...]


def compare(base: Iterable[FileFacts], now: Iterable[FileFacts], root: Location) -> Comparison:
    """The comparison of two trees' facts (``root`` locates a finding whose file is gone)."""
    before, after = layer(base), layer(now)
    added = len(after.keys() - before.keys())
    return Comparison(len(before), added, tuple(changes(before, after, root)))


def _key(target: Target, namespace: str) -> TableKey:
    return TableKey(target.namespace or namespace, target.name)


def layer(files: Iterable[FileFacts]) -> dict[TableKey, TableState]:
    """Every table of ``files`` with the access and wiring that reach it."""
    files = tuple(files)
    tables = {TableKey(namespace_of(f), t.name): t for f in files for t in f.tables if t.name}
    access: dict[TableKey, dict[str, tuple[set[str], Location]]] = {}
    wiring: dict[TableKey, list[Wiring]] = {}
    # CDK source names a table by its class and construct id (``DataStack/Orders``); what
    # refers to it names the construct id only (``Orders``)
    known: dict[TableKey, list[TableKey]] = {key: [key] for key in tables}
    for key in tables:
        short = TableKey(key.namespace, key.name.rpartition("/")[2])
        if short != key and short not in tables:
            known.setdefault(short, []).append(key)

    def grant(reached: TableKey, principal: str, actions: Iterable[str], where: Location) -> None:
        for key in known.get(reached, ()):
            found = access.setdefault(key, {}).setdefault(principal, (set(), where))
            found[0].update(actions)

    for facts in files:
        namespace = namespace_of(facts)
        for statement in facts.statements:
            if statement.effect.lower() == "deny" or statement.not_action:
                continue
            reached = {_key(t, namespace) for t in statement.resource_targets} & known.keys()
            for key in sorted(reached, key=lambda k: (k.namespace, k.name)):
                for principal in statement.principals or ("(unattached policy)",):
                    actions = (a.text for a in statement.actions)
                    grant(key, principal, actions, statement.location)
        for each in facts.grants:
            key = TableKey(namespace, each.target)
            if key in known:
                actions = each.actions or ddb.GRANT_ACTIONS.get(each.method, (each.method,))
                grant(key, each.grantee or "(unknown grantee)", actions, each.location)
        for sink in facts.sinks:
            if sink.kind != "env":
                continue
            for target in sink.targets:
                wire = Wiring(sink.owner, sink.name, target.attribute, sink.name_location)
                for key in known.get(_key(target, namespace), ()):
                    wiring.setdefault(key, []).append(wire)
    return {
        key: TableState(
            key,
            table,
            tuple(
                Access(p, frozenset(a), where)
                for p, (a, where) in sorted(access.get(key, {}).items())
            ),
            tuple(sorted(set(wiring.get(key, ())), key=lambda w: (w.owner, w.variable))),
        )
        for key, table in sorted(tables.items(), key=lambda kv: (kv[0].namespace, kv[0].name))
    }


# --- comparison --------------------------------------------------------------------------------


def changes(
    base: dict[TableKey, TableState], now: dict[TableKey, TableState], root: Location
) -> list[Change]:
    """What deploying the working tree does to the base's tables, table by table."""
    found: list[Change] = []
    gone = [k for k in base if k not in now]
    new = [k for k in now if k not in base]
    for before, after in _renamed(base, now, gone, new):
        gone.remove(before)
        found.append(_replaced(base[before], now[after]))
    for key in gone:
        found.append(_removed(base[key], now, root))
    for key in base:
        if key in now:
            found.extend(_changed(base[key], now[key]))
    return found


def _construct_id(table: DynamoTable) -> str:
    """The id a CDK construct was given (``Orders`` of ``Stack/Data/Orders/Resource``)."""
    parts = [p for p in table.construct_path.split("/") if p and p != "Resource"]
    return parts[-1] if len(parts) > 1 else ""


def _explicit_name(table: DynamoTable) -> str:
    setting = table.setting(ddb.TABLE_NAME)
    return setting.value if setting is not None and setting.value != ddb.GENERATED else ""


def _key_schema(table: DynamoTable) -> str:
    setting = table.setting(ddb.KEY_SCHEMA)
    return setting.value if setting is not None else ""


def _same_name(before: TableState, now: TableState) -> bool:
    name = _explicit_name(before.table)
    return bool(name) and name == _explicit_name(now.table)


def _same_construct(before: TableState, now: TableState) -> bool:
    name = _construct_id(before.table)
    return bool(name) and name == _construct_id(now.table)


def _same_schema_here(before: TableState, now: TableState) -> bool:
    same_place = before.key.namespace == now.key.namespace
    return same_place and _key_schema(before.table) == _key_schema(now.table)


def _renamed(
    base: dict[TableKey, TableState],
    now: dict[TableKey, TableState],
    gone: list[TableKey],
    new: list[TableKey],
) -> Iterator[tuple[TableKey, TableKey]]:
    """(base key, working-tree key) of tables whose identity changed: the same physical name,
    else the same CDK construct id, else (in the same file or module) the only new table with
    the same key schema."""
    left, right = list(gone), list(new)
    for same in (_same_name, _same_construct, _same_schema_here):
        for before in list(left):
            candidates = [k for k in right if same(base[before], now[k])]
            if len(candidates) == 1:
                left.remove(before)
                right.remove(candidates[0])
                yield before, candidates[0]


def _tool(key: TableKey) -> str:
    return "Terraform" if key.namespace.startswith("tf:") else "CloudFormation"


def _replaced(before: TableState, after: TableState) -> Change:
    old, new = before.table, after.table
    why = f"{_tool(after.key)} creates a new table and deletes the old one with its data"
    if _tool(after.key) == "Terraform":
        why = (
            f"Terraform destroys {old.name} and creates {new.name} with an empty table (unless a "
            "moved block says where it went)"
        )
    elif old.construct_path and new.construct_path and old.construct_path != new.construct_path:
        why += (
            f"; CDK derives the logical id from the construct path ({old.construct_path} -> "
            f"{new.construct_path}): moving or renaming a construct replaces the table"
        )
    where = "" if before.key.namespace == after.key.namespace else f" (now in {new.location.path})"
    return Change(
        new.name,
        new.location,
        f"DynamoDB table {old.name} is now {new.name}{where}: its identity changed, so {why}",
        True,
    )


def _removed(before: TableState, now: dict[TableKey, TableState], root: Location) -> Change:
    table = before.table
    policy = table.setting(ddb.DELETION_POLICY)
    kept = policy is not None and policy.value.lower() in ("retain", "retainexceptoncreate")
    fate = (
        "it is retained but no longer managed, and nothing here reaches it any more"
        if kept
        else f"{_tool(before.key)} deletes it and its data"
    )
    still_there = any(s.table.location.path == table.location.path for s in now.values())
    where = Location(path=table.location.path, line=1, snippet=table.name) if still_there else root
    return Change(
        table.name,
        where,
        f"DynamoDB table {table.name} ({table.location.path}) was removed: {fate}",
        True,
    )


def _changed(before: TableState, after: TableState) -> Iterator[Change]:
    name = after.table.name
    old = {s.name: s for s in before.table.settings}
    for setting in after.table.settings:
        previous = old.pop(setting.name, None)
        if previous is None or previous.value != setting.value:
            was = previous.value if previous is not None else ddb.ABSENT
            yield _setting_change(name, setting.name, was, setting.value, setting.location)
    for previous in old.values():  # an index dropped
        yield _setting_change(name, previous.name, previous.value, ddb.ABSENT, after.table.location)
    yield from _narrowed(before, after)
    yield from _unwired(before, after)


def _setting_change(table: str, setting: str, was: str, now: str, where: Location) -> Change:
    replaces = ddb.replaces(setting)
    what = f"{setting} changed from {was} to {now}"
    if was == ddb.ABSENT:
        what = f"{setting} was added ({now})"
    elif now == ddb.ABSENT:
        what = f"{setting} was removed (it was {was})"
    if replaces:
        what += ": the deployment replaces the table, and the new one starts empty"
    return Change(table, where, f"DynamoDB table {table}: {what}", replaces)


def _covered(action: str, patterns: frozenset[str]) -> bool:
    """Is ``action`` still allowed by one of ``patterns`` (IAM actions are case-insensitive
    and may hold wildcards: ``dynamodb:*`` keeps ``dynamodb:GetItem``)?"""
    return any(fnmatchcase(action.lower(), p.lower()) for p in patterns)


def _listed(actions: list[str]) -> str:
    more = len(actions) - NAMED_GRANTS
    return ", ".join(actions[:NAMED_GRANTS]) + (f" and {more} more" if more > 0 else "")


def _narrowed(before: TableState, after: TableState) -> Iterator[Change]:
    now = {a.principal: a for a in after.access}
    for old in before.access:
        current = now.get(old.principal)
        kept = current.actions if current is not None else frozenset()
        lost = sorted(a for a in old.actions if not _covered(a, kept))
        if not lost:
            continue
        shown = _listed(lost)
        where = current.location if current is not None else after.table.location
        what = "no longer reaches it" if current is None else f"lost {shown}"
        yield Change(
            after.table.name,
            where,
            f"DynamoDB table {after.table.name}: the access of {old.principal} was narrowed: it "
            f"{what} (had {_listed(sorted(old.actions))})",
            False,
        )


def _unwired(before: TableState, after: TableState) -> Iterator[Change]:
    now = {(w.owner, w.variable) for w in after.wiring}
    then = {(w.owner, w.variable) for w in before.wiring}
    for old in before.wiring:
        if (old.owner, old.variable) in now:
            continue
        renamed = next(
            (
                w
                for w in after.wiring
                if w.owner == old.owner
                and w.attribute == old.attribute
                and (w.owner, w.variable) not in then
            ),
            None,
        )
        if renamed is not None:
            message = (
                f"DynamoDB table {after.table.name}: environment variable {old.variable} of "
                f"{old.owner} was renamed to {renamed.variable}; code that reads "
                f"{old.variable} no longer finds the table"
            )
            yield Change(after.table.name, renamed.location, message, False)
            continue
        yield Change(
            after.table.name,
            after.table.location,
            f"DynamoDB table {after.table.name}: environment variable {old.variable} of "
            f"{old.owner} no longer hands it over; code that reads {old.variable} no longer "
            "finds the table",
            False,
        )
