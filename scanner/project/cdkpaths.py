"""Construct paths of synthesized resources whose template does not carry them.

A template synthesized with ``--path-metadata false``, with ``versionReporting``-style settings,
or by ``python app.py`` without the CDK CLI's context has no ``aws:cdk:path`` metadata, so
nothing in it says which source construct a resource came from. Without that link a DSQL cluster
in the CDK source and the same cluster in its ``cdk.out`` count as two (DSQL002), and template
findings cannot name their source line. The link is recovered from the best evidence at hand:

1. the cloud assembly's own record: ``aws:cdk:logicalId`` metadata of ``manifest.json`` (inline
   in older assemblies, in the ``additionalMetadataFile`` it names in newer ones), written
   whatever the path-metadata setting;
2. ``tree.json``, whose CloudFormation resources carry their logical id;
3. CDK's logical-id algorithm (``makeUniqueId``) run backwards over the construct ids the CDK
   source creates: a candidate path counts only when CDK would give it exactly this logical id,
   its 8-hex-digit MD5 suffix included, never because a name looks alike.

The files are read like discovery reads ``manifest.json``: bounded, regular files that are no
links, inside the scan root; only when a template lacks paths and a lookup is asked for.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.facts import FileFacts
from scanner.inputs import producers
from scanner.model import Kind
from scanner.pipeline.discover import MANIFEST_BYTES, Candidate, _head, cdk_app

HIDDEN_ID = "Default"  # removed from a path before anything else
HIDDEN_FROM_HUMAN_ID = "Resource"  # kept in the hash, left out of the readable part
HASH_LEN = 8
MAX_HUMAN_LEN = 240
MAX_ID_LEN = 255
TREE_BYTES = 64 * 1024 * 1024  # tree.json also holds every resource's properties
TREE_NODES = 200_000  # a walk of tree.json visits at most this many constructs
SEARCH_STEPS = 4_000  # candidate paths tried per logical id before giving up
SCAN_STEPS = 40_000  # and per scan: a hostile assembly cannot make every id cost the maximum
MAX_COMPONENTS = 12
# Children that CDK's own constructs create under the id the source passes (an L2's CfnResource,
# a database cluster's secret and its attachment, a function's role): the source never names
# them, so they are candidates alongside the source's ids.
IMPLICIT_IDS = (
    "Resource", "Secret", "Attachment", "SecurityGroup", "Subnets", "ServiceRole",
    "DefaultPolicy", "Policy", "Role", "LogGroup", "LogRetention", "Instance1", "Instance2",
    "writer", "reader", "Proxy", "ProxyTargetGroup", "RotationSingleUser", "TaskRole",
    "ExecutionRole", "Service", "Cluster", "Key", "Alias", "IAMRole",
)  # fmt: skip
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")
_HASH = re.compile(r"[0-9A-F]{8}")
TEMPLATE_SUFFIX = ".template.json"
# rds.DatabaseSecret replaces its id by ``Names.uniqueId`` (the path from the stack on, the
# stack included) followed by the MD5 of its password criteria, so that a change replaces it.
_CRITERIA_SUFFIX = re.compile(r"(.+[0-9A-F]{8})[0-9a-f]{32}")


def _alnum(text: str) -> str:
    return _NON_ALNUM.sub("", text)


def _without_dupes(components: Sequence[str]) -> list[str]:
    """CDK drops a component that the one before it ends with (``Api/Api`` reads ``Api``)."""
    kept: list[str] = []
    for component in components:
        if not kept or not kept[-1].endswith(component):
            kept.append(component)
    return kept


def make_unique_id(components: Sequence[str]) -> str:
    """The logical id CDK gives the construct at these path components below its stack.

    aws-cdk-lib ``core/lib/private/uniqueid.ts``: ``Default`` components vanish; a single
    component is its own id (top-level L1s keep the id written in the source); otherwise the
    readable part (``Resource`` and repeated components left out, non-alphanumerics stripped,
    at most 240 characters) is followed by the first 8 hex digits of the path's MD5.
    """
    parts = [c for c in components if c != HIDDEN_ID]
    if not parts:
        return ""
    if len(parts) == 1 and len(_alnum(parts[0])) <= MAX_ID_LEN:
        return _alnum(parts[0])
    digest = hashlib.md5("/".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()
    readable = "".join(_alnum(c) for c in _without_dupes(parts) if c != HIDDEN_FROM_HUMAN_ID)
    return readable[:MAX_HUMAN_LEN] + digest[:HASH_LEN].upper()


@dataclass
class _Search:
    """A bounded depth-first search for path components whose unique id is ``target``."""

    target: str
    words: _Words
    budget: Budget
    steps: int = 0

    def run(self) -> tuple[str, ...] | None:
        readable = self.target[:-HASH_LEN]
        return self._extend(readable, 0, ())

    def _verify(self, components: tuple[str, ...]) -> tuple[str, ...] | None:
        for candidate in (components, (*components, HIDDEN_FROM_HUMAN_ID)):
            self.steps += 1
            self.budget.left -= 1
            if len(candidate) > 1 and make_unique_id(candidate) == self.target:
                return candidate
        return None

    def _next(
        self, readable: str, at: int, path: tuple[str, ...]
    ) -> Iterator[tuple[str, int, bool]]:
        """(component, where the readable part continues, whether it repeats the last one)."""
        if path:  # a component the last one ends with adds nothing to the readable part
            last = path[-1]
            for start in range(len(last)):
                if last[start:] in self.words.raws:
                    yield last[start:], at, True
        rest = readable[at:]
        for size in range(1, min(self.words.longest, len(rest)) + 1):
            for raw in self.words.forms.get(rest[:size], ()):
                if not path or not path[-1].endswith(raw):
                    yield raw, at + size, False

    def _extend(
        self, readable: str, at: int, path: tuple[str, ...], repeated: bool = False
    ) -> tuple[str, ...] | None:
        if at == len(readable) and path:
            found = self._verify(path)
            if found is not None:
                return found
        if len(path) >= MAX_COMPONENTS - 1:
            return None
        for component, after, repeat in self._next(readable, at, path):
            self.steps += 1  # every candidate tried counts, so that no step is free
            self.budget.left -= 1
            if self._spent():
                return None
            if repeat and repeated:
                continue  # one repeat in a row is CDK's case; more only spend the budget
            found = self._extend(readable, after, (*path, component), repeat)
            if found is not None:
                return found
        rest = readable[at:]
        if not rest or self._spent():
            return None
        return self._verify((*path, rest))  # one id the source never spells out

    def _spent(self) -> bool:
        return self.steps > SEARCH_STEPS or self.budget.left <= 0


@dataclass
class Budget:
    """Search steps left for a whole scan."""

    left: int = SCAN_STEPS


@dataclass(frozen=True)
class _Words:
    forms: dict[str, tuple[str, ...]]  # alphanumeric form -> the raw ids that have it (sorted)
    raws: frozenset[str]
    longest: int


def recover(
    logical_id: str, vocabulary: Iterable[str], budget: Budget | None = None
) -> tuple[str, ...] | None:
    """Path components below the stack that CDK turns into ``logical_id``, or None.

    Candidates are made of ``vocabulary`` (the construct ids the source creates) and the ids
    CDK's constructs add themselves, plus at most one trailing id that neither names; every
    candidate is checked by recomputing the id, hash included.
    """
    words = _words(tuple(vocabulary))
    single = words.forms.get(logical_id, ())
    if single:  # a top-level L1 keeps the id the source wrote
        return (single[0],)
    if len(logical_id) <= HASH_LEN or not _HASH.fullmatch(logical_id[-HASH_LEN:]):
        return None
    return _Search(logical_id, words, budget or Budget()).run()


@lru_cache(maxsize=8)
def _words(vocabulary: tuple[str, ...]) -> _Words:
    """The candidate components, indexed once per vocabulary rather than once per logical id."""
    forms: dict[str, set[str]] = {}
    for raw in (*vocabulary, *IMPLICIT_IDS):
        if raw and raw != HIDDEN_ID and _alnum(raw):
            forms.setdefault(_alnum(raw), set()).add(raw)
    return _Words(
        forms={key: tuple(sorted(raws)) for key, raws in forms.items()},
        raws=frozenset(raw for raws in forms.values() for raw in raws),
        longest=max((len(key) for key in forms), default=0),
    )


# --- What the cloud assembly recorded ------------------------------------------------------


def _json(path: Path, limit: int) -> Any:
    data = _head(path, limit + 1)
    if data is None or len(data) > limit:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return None


def _logical_ids(metadata: Any) -> dict[str, str]:
    """logical id -> construct path from an artifact's metadata (``/Db/Data/Ledger`` entries)."""
    found: dict[str, str] = {}
    for path, entries in sorted(metadata.items()) if isinstance(metadata, dict) else ():
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and entry.get("type") == "aws:cdk:logicalId":
                logical_id = entry.get("data")
                if isinstance(logical_id, str) and isinstance(path, str):
                    found.setdefault(logical_id, path.strip("/"))
    return found


def _plain_name(name: Any) -> bool:
    """A file name of the assembly's own directory (not a path that leads elsewhere)."""
    return isinstance(name, str) and bool(name) and Path(name).name == name and name[0] != "."


def manifest_paths(cdk_out: Path) -> dict[str, dict[str, str]]:
    """template file name -> logical id -> construct path, from ``manifest.json``."""
    manifest = _json(cdk_out / "manifest.json", MANIFEST_BYTES)
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    out: dict[str, dict[str, str]] = {}
    for _, artifact in sorted(artifacts.items()) if isinstance(artifacts, dict) else ():
        if not isinstance(artifact, dict) or artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties")
        template = properties.get("templateFile") if isinstance(properties, dict) else None
        if not _plain_name(template):
            continue
        found = _logical_ids(artifact.get("metadata"))
        extra = artifact.get("additionalMetadataFile")
        if _plain_name(extra):
            found = {**_logical_ids(_json(cdk_out / extra, MANIFEST_BYTES)), **found}
        if found:
            out[template] = found
    return out


def tree_paths(cdk_out: Path) -> dict[str, dict[str, str]]:
    """stack path -> logical id -> construct path, from ``tree.json`` (walked, bounded)."""
    tree = _json(cdk_out / "tree.json", TREE_BYTES)
    root = tree.get("tree") if isinstance(tree, dict) else None
    out: dict[str, dict[str, str]] = {}
    pending: list[tuple[Any, str]] = [(root, "")]
    visited = 0
    while pending and visited < TREE_NODES:
        node, stack = pending.pop()
        visited += 1
        if not isinstance(node, dict):
            continue
        path = node.get("path")
        path = path if isinstance(path, str) else ""
        info = node.get("constructInfo")
        fqn = info.get("fqn") if isinstance(info, dict) else ""
        if fqn == "aws-cdk-lib.Stack" or (not fqn and path and "/" not in path):
            stack = path  # stacks in stages too; a NestedStack has a template of its own
        attributes = node.get("attributes")
        logical_id = (
            attributes.get("aws:cdk:cloudformation:logicalId")
            if isinstance(attributes, dict)
            else None
        )
        if isinstance(logical_id, str) and stack:
            out.setdefault(stack, {}).setdefault(logical_id, path)
        children = node.get("children")
        if isinstance(children, dict):
            pending.extend((child, stack) for _, child in sorted(children.items(), reverse=True))
    return out


# --- Linking a scan's templates -----------------------------------------------------------


def stack_of(template: str, stack: str) -> str:
    """A template's stack: the manifest's name for it, else its file name (CDK's artifact id)."""
    if stack:
        return stack
    name = Path(template).name
    return name[: -len(TEMPLATE_SUFFIX)] if name.endswith(TEMPLATE_SUFFIX) else ""


def is_assembly(directory: Path) -> bool:
    """A cloud assembly directory (``cdk.out``, a stage's ``assembly-*``, or one holding CDK's
    ``cdk.out`` marker or a manifest): only its ``<stack>.template.json`` files are CDK's, so
    only they are linked by logical id (a hand-written template may reuse a construct id)."""
    return (
        directory.name == "cdk.out"
        or directory.name.startswith("assembly-")
        or _head(directory / "cdk.out", 4096) is not None
        or _head(directory / "manifest.json", 1) is not None
    )


@dataclass(frozen=True)
class _Assembly:
    synthesized: bool
    manifest: dict[str, dict[str, str]]  # template file name -> logical id -> construct path
    tree: dict[str, dict[str, str]]  # stack path -> logical id -> construct path


def _template_inputs() -> frozenset[str]:
    """The inputs whose files are templates (produce ``cfn`` facts): those a cdk.out holds."""
    return frozenset(each.name for each in producers(Kind.CFN))


@dataclass
class Finder:
    """Construct paths for one scan's synthesized templates, each looked up once."""

    root: Path
    candidates: dict[str, Candidate]  # reporting path -> candidate
    vocabularies: dict[str, tuple[str, ...]]  # CDK app ("" when unknown) -> construct ids
    _recorded: dict[Path, _Assembly] = field(default_factory=dict)
    _found: dict[tuple[str, str, str], str] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)

    @classmethod
    def of(cls, root: Path, candidates: Iterable[Candidate], files: Iterable[FileFacts]) -> Finder:
        vocabularies: dict[str, set[str]] = {}
        for facts in files:
            if facts.kind == Kind.CDK:
                app = facts.namespace.removeprefix("cdk:") if facts.namespace else ""
                ids = {construct_id for construct_id, _ in facts.construct_ids}
                vocabularies.setdefault(app, set()).update(ids)
                vocabularies.setdefault("", set()).update(ids)
        return cls(
            root=root.resolve(),
            candidates={c.rel: c for c in candidates if c.input in _template_inputs()},
            vocabularies={app: tuple(sorted(ids)) for app, ids in vocabularies.items()},
        )

    def _assembly(self, directory: Path) -> _Assembly:
        """What a template directory holds: read once per scan, and only inside the root."""
        if directory not in self._recorded:
            inside = directory.is_relative_to(self.root)
            manifest = manifest_paths(directory) if inside else {}
            self._recorded[directory] = _Assembly(
                synthesized=inside and is_assembly(directory),
                manifest=manifest,
                # tree.json repeats every resource's properties: read only without a manifest
                tree=tree_paths(directory) if inside and not manifest else {},
            )
        return self._recorded[directory]

    def path_of(self, template: str, stack: str, logical_id: str) -> str:
        """The construct path of a template's resource, or "" when nothing establishes it."""
        key = (template, stack, logical_id)
        if key not in self._found:
            self._found[key] = self._look_up(template, stack, logical_id)
        return self._found[key]

    def _look_up(self, template: str, stack: str, logical_id: str) -> str:
        candidate = self.candidates.get(template)
        if candidate is None or not logical_id:
            return ""
        path = candidate.path.resolve()
        if not path.name.endswith(TEMPLATE_SUFFIX):
            return ""
        assembly = self._assembly(path.parent)
        if not assembly.synthesized:
            return ""
        recorded = assembly.manifest.get(path.name, {}).get(logical_id)
        stack = stack_of(template, stack)
        if recorded is None and stack:
            recorded = assembly.tree.get(stack, {}).get(logical_id)
        if recorded is not None:
            return recorded
        app = cdk_app(path, self.root)
        vocabulary = self.vocabularies.get(app) or self.vocabularies.get("", ())
        if not stack or not vocabulary:
            return ""
        components = recovered(logical_id, stack, vocabulary, self.budget)
        return "/".join((stack, *components)) if components else ""


def recovered(
    logical_id: str, stack: str, vocabulary: Sequence[str], budget: Budget
) -> tuple[str, ...] | None:
    """``recover``, and for an id CDK built from the stack-inclusive unique id plus a 32-digit
    criteria hash (``rds.DatabaseSecret``), the components below the stack of that id."""
    components = recover(logical_id, vocabulary, budget)
    unique = _CRITERIA_SUFFIX.fullmatch(logical_id)
    if components is None and unique is not None and "/" not in stack:
        full = recover(unique.group(1), (stack, *vocabulary), budget)
        components = full[1:] if full and len(full) > 1 and full[0] == stack else None
    return components


def with_paths(files: Sequence[FileFacts], finder: Finder) -> list[FileFacts]:
    """Template facts whose DSQL clusters lack a construct path get it (unchanged files are the
    same objects), so that a cluster in source and in its cdk.out is one cluster."""
    out = []
    for facts in files:
        if facts.kind == Kind.CFN and any(not c.location.construct_path for c in facts.clusters):
            clusters = tuple(
                c
                if c.location.construct_path
                else replace(
                    c,
                    location=replace(
                        c.location,
                        construct_path=finder.path_of(facts.path, c.location.stack, c.name),
                    ),
                )
                for c in facts.clusters
            )
            if clusters != facts.clusters:
                facts = replace(facts, clusters=clusters)
        out.append(facts)
    return out
