"""A Terraform module as the lowering sees it: its files, and what its names mean.

Terraform has no imports: every ``.tf`` file of a directory sees every name the others declare
(``var.x`` in main.tf, ``variable "x"`` in variables.tf), ``terraform.tfvars`` and
``*.auto.tfvars`` set the variables of a root module, and a ``module`` block whose source is a
local path (``./modules/db``) makes that directory's outputs readable as ``module.db.<output>``.
So a file is analysed with its module: :func:`load` reads the directory's configurations (and,
on demand, those of the local modules it calls) through the same guards as scanned files, never
outside the scanned tree, and :func:`companions` lists the files whose bytes decide the analysis
of a module's files, for the result cache's key.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from scanner.inputs.guards import ParseFailure, read_text
from scanner.inputs.terraform import hcl

SUFFIXES = (".tf", ".tf.json")
VARIABLE_FILES = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_VARIABLES = (".auto.tfvars", ".auto.tfvars.json")
MAX_MODULE_FILES = 200  # configurations read as one module's context
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
MAX_MODULE_DEPTH = 4  # local modules followed through local modules
# A module's source when it is a local path: Terraform requires a literal string here, so this
# only lists candidates for the cache key (the lowering reads the parsed attribute).
LOCAL_SOURCE = re.compile(rb"""source["']?\s*[=:]\s*"(\.{1,2}/[^"\n]*)\"""")


def is_configuration(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(SUFFIXES)


def is_variables(name: str) -> bool:
    lowered = name.lower()
    return lowered in VARIABLE_FILES or lowered.endswith(AUTO_VARIABLES)


MAX_PARSED = 1024  # parsed files kept per process, by content: each file of a module is
# context for every other, so a module of N files would otherwise be parsed N times over


_parsed: dict[tuple[bool, str], hcl.Config] = {}


def parse_file(name: str, text: str, digest: str = "") -> hcl.Config:
    """A configuration or variables file's model (JSON by its suffix); ``digest`` (the SHA-256
    of its bytes) lets the process reuse an earlier parse of the same content."""
    is_json = name.lower().endswith(".json")
    key = (is_json, digest)
    if digest and key in _parsed:
        return _parsed[key]
    parsed = hcl.parse_json(text) if is_json else hcl.parse(text)
    if digest:
        if len(_parsed) >= MAX_PARSED:
            _parsed.clear()
        _parsed[key] = parsed
    return parsed


@dataclass
class Scope:
    """One module directory: its parsed files and the declarations the lowering resolves.

    ``namespace`` is where its names link in the project model (``tf:<directory>``); ``rel``
    the directory relative to the project root ("" for the root itself). ``broken`` lists the
    files that could not be read or parsed: what they declare is unknown, never guessed.
    """

    directory: Path
    root: Path
    max_size: int
    depth: int = 0
    files: dict[str, hcl.Config] = field(default_factory=dict)
    variable_values: dict[str, hcl.Expr] = field(default_factory=dict)
    broken: tuple[str, ...] = ()
    digests: dict[str, str] = field(default_factory=dict)  # every file read ("" unreadable)
    _children: dict[str, Scope | None] = field(default_factory=dict)

    @cached_property
    def rel(self) -> str:
        try:
            relative = self.directory.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:  # a tree scanned from outside its root: named by its own path
            relative = self.directory.resolve().as_posix()
        return "" if relative == "." else relative

    @cached_property
    def namespace(self) -> str:
        return f"tf:{self.rel}"

    def blocks(self, kind: str) -> list[tuple[str, hcl.Block]]:
        """(file name, block) of every top-level block of ``kind``, in file order."""
        return [
            (name, b) for name, config in self.files.items() for b in config.body.blocks_of(kind)
        ]

    @cached_property
    def variables(self) -> dict[str, hcl.Expr | None]:
        """Each declared variable's value: a tfvars value, else its default, else None."""
        found: dict[str, hcl.Expr | None] = {}
        for _, block in self.blocks("variable"):
            if block.labels:
                default = block.body.get("default")
                found.setdefault(block.labels[0], default.value if default else None)
        for name, value in self.variable_values.items():
            if name in found:
                found[name] = value
        return found

    @cached_property
    def locals(self) -> dict[str, hcl.Expr]:
        return {
            attribute.name: attribute.value
            for _, block in self.blocks("locals")
            for attribute in block.body.attributes
        }

    @cached_property
    def outputs(self) -> dict[str, hcl.Expr]:
        found = {}
        for _, block in self.blocks("output"):
            value = block.body.get("value")
            if block.labels and value is not None:
                found.setdefault(block.labels[0], value.value)
        return found

    @cached_property
    def modules(self) -> dict[str, hcl.Block]:
        return {b.labels[0]: b for _, b in self.blocks("module") if b.labels}

    @cached_property
    def declared(self) -> dict[str, tuple[str, hcl.Block]]:
        """Every resource, data source and module call address -> (its file, its block), the
        first declaration of each (read once the module's files are final)."""
        found: dict[str, tuple[str, hcl.Block]] = {}
        for name, config in self.files.items():
            for block in config.body.blocks:
                address = block_address(block)
                if address:
                    found.setdefault(address, (name, block))
        return found

    def read_elsewhere(self) -> tuple[tuple[str, str], ...]:
        """What a result computed from this scope depends on beyond its own directory: for
        each local module loaded so far, at any depth, its directory's listing (the path with
        a trailing slash, and the names) and each file's digest."""
        found: list[tuple[str, str]] = []
        for scope in self._children.values():
            if scope is not None:
                found.append((f"{scope.directory}/", _names(scope.directory)))
                found += ((str(scope.directory / n), d) for n, d in scope.digests.items())
                found += scope.read_elsewhere()
        return tuple(found)

    def child(self, module: str) -> Scope | None:
        """The scope of a local module this one calls (None: not local, or not readable)."""
        if module in self._children:
            return self._children[module]
        scope = None
        block = self.modules.get(module)
        source = block.body.get("source") if block else None
        if (
            source is not None
            and isinstance(source.value, hcl.Literal)
            and isinstance(source.value.value, str)
            and source.value.value.startswith(("./", "../"))
            and self.depth < MAX_MODULE_DEPTH
        ):
            directory = _inside(self.directory / source.value.value, self.root)
            if directory is not None:
                scope = load(directory, self.root, self.max_size, self.depth + 1)
        self._children[module] = scope
        return scope


def block_address(block: hcl.Block) -> str:
    """``aws_rds_cluster.main``, ``data.aws_iam_policy_document.app``, ``module.db``."""
    if block.type == "resource" and len(block.labels) == 2:
        return ".".join(block.labels)
    if block.type == "data" and len(block.labels) == 2:
        return "data." + ".".join(block.labels)
    if block.type == "module" and len(block.labels) == 1:
        return "module." + block.labels[0]
    return ""


def _inside(path: Path, root: Path) -> Path | None:
    """``path`` resolved, when it is a directory inside ``root`` (symlinks resolved first).

    With ``os.path`` on strings: every module directory and local module source of a run is
    resolved, and ``pathlib`` doubled the cost of a warm run's cache keys."""
    try:
        resolved = os.path.realpath(path)
        top = _resolved_root(root)
        inside = resolved == top or resolved.startswith(top if top == "/" else top + "/")
        if inside and stat.S_ISDIR(os.stat(resolved).st_mode):
            return Path(resolved)
    except (OSError, ValueError):
        pass
    return None


@functools.lru_cache(maxsize=8)
def _resolved_root(root: Path) -> str:
    """The scanned tree's root, resolved once (every module directory is checked against it)."""
    return os.path.realpath(root)


def _entries(directory: Path) -> list[Path]:
    """The regular files of a directory that belong to its module, in name order."""
    try:
        with os.scandir(directory) as listing:
            # a link could lead outside the tree: the module reads its own regular files only
            names = sorted(
                entry.name
                for entry in listing
                if (is_configuration(entry.name) or is_variables(entry.name))
                and entry.is_file(follow_symlinks=False)
            )
    except OSError:
        return []
    return [directory / name for name in names[:MAX_MODULE_FILES]]


JSON_DECODER = "cfnlint."  # the modules only JSON configurations are read with (cfn-lint's)


def file_modules(path: Path) -> tuple[str, ...]:
    """What analysing this file imports up front: a ``.tf`` file is read without cfn-lint's
    JSON decoder (0.6 s to import), which only ``.tf.json`` files need (a ``.tf`` file whose
    module has one imports it when it reads it)."""
    from scanner.inputs.terraform import INPUT

    if path.name.lower().endswith(".json"):
        return INPUT.modules
    return tuple(m for m in INPUT.modules if not m.startswith(JSON_DECODER))


def unchanged(read: tuple[tuple[str, str], ...], max_size: int) -> bool:
    """Whether the directories and files of ``Scope.read_elsewhere`` are still as they were."""
    for path, seen in read:
        if path.endswith("/"):
            if _names(Path(path)) != seen:
                return False
            continue
        try:
            digest = read_text(Path(path), max_size)[1]
        except ParseFailure:
            digest = ""
        if digest != seen:
            return False
    return True


def _names(directory: Path) -> str:
    return "\0".join(path.name for path in _entries(directory))


def companions(
    directory: Path, root: Path, max_size: int
) -> tuple[tuple[tuple[str, str], ...], tuple[Path, ...]]:
    """What decides the analysis of the files in ``directory``: its module's files (name and
    SHA-256 of each; a file over ``max_size`` by its size, as the read guards refuse it), and
    the directories of the local modules it calls (``source = "./modules/db"``), whose own
    companions decide it too. Each file is read once; the result cache follows the called
    directories, listing each directory once per run however many modules call it."""
    inside = _inside(directory, root)
    if inside is None:
        return (), ()
    files: list[tuple[str, str]] = []
    called: list[Path] = []
    for entry in _entries(inside):
        data = _companion_bytes(entry, max_size)
        if data is None:
            files.append((entry.name, "unreadable"))
            continue
        files.append((entry.name, hashlib.sha256(data).hexdigest()))
        if not is_configuration(entry.name) or b"source" not in data:
            continue
        for match in LOCAL_SOURCE.finditer(data):
            target = _inside(inside / match.group(1).decode("utf-8", "replace"), root)
            if target is not None and target != inside and target not in called:
                called.append(target)
    return tuple(files), tuple(called)


def _companion_bytes(path: Path, max_size: int) -> bytes | None:
    """A module file's bytes, or its size (as text) when it is over ``max_size``, as the read
    guards refuse it; None when it cannot be read. Opened without following a link and without
    blocking, and checked once open: a file swapped for a FIFO since it was listed is no hang.
    """
    try:
        descriptor = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size > max_size:
            return str(info.st_size).encode()
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(descriptor)


def load(directory: Path, root: Path, max_size: int, depth: int = 0) -> Scope:
    """The module in ``directory``, every file read through the guards and parsed."""
    scope = Scope(directory=directory, root=root, max_size=max_size, depth=depth)
    broken = []
    values: dict[str, hcl.Expr] = {}
    variable_files = []
    for path in _entries(directory):
        try:
            text, digest = read_text(path, max_size)
        except ParseFailure:
            scope.digests[path.name] = ""
            broken.append(path.name)
            continue
        scope.digests[path.name] = digest
        try:
            config = parse_file(path.name, text, digest)
        except ParseFailure:
            broken.append(path.name)
            continue
        if is_variables(path.name):
            variable_files.append((path.name, config))
        else:
            scope.files[path.name] = config
    # terraform.tfvars first, then *.auto.tfvars in name order: later files win (as Terraform)
    variable_files.sort(key=lambda item: (item[0].lower() not in VARIABLE_FILES, item[0]))
    for _, config in variable_files:
        values.update({a.name: a.value for a in config.body.attributes})
    if depth == 0:
        scope.variable_values = values  # tfvars set a root module's variables only
    scope.broken = tuple(broken)
    return scope
