"""Canonical names across languages: an npm module or a camelCase member as the catalogue names it.

The catalogue (``scanner.inputs.catalog``) speaks Python's names, because the Python input came
first: ``aws_cdk.aws_rds.DatabaseCluster``, ``default_database_name``, ``boto3.client``. Other
languages map their spelling onto those names here, once, so that a construct, a property or a
driver call means the same whatever language wrote it, and no rule needs to know which one did.

- npm modules: ``aws-cdk-lib`` is ``aws_cdk``, ``aws-cdk-lib/aws-rds`` and CDK v1's
  ``@aws-cdk/aws-rds`` are ``aws_cdk.aws_rds``, ``@aws-cdk/core`` is ``aws_cdk``, an alpha module
  ``@aws-cdk/aws-dsql-alpha`` is ``aws_cdk.aws_dsql_alpha``; any other package keeps its name
  with what Python cannot spell replaced (``@aws-sdk/client-rds-data`` is
  ``aws_sdk.client_rds_data``, ``pg`` is ``pg``); a relative module (``../lib/db-stack``) is a
  relative Python module (``..lib.db_stack``).
- members: ``defaultDatabaseName`` is ``default_database_name``, ``grantDataApiAccess`` is
  ``grant_data_api_access``; class names (``DatabaseCluster``) and constants (``VER_15_4``,
  ``DB_HOST``) are unchanged, as in the Python bindings of the CDK (jsii names them this way).
"""

from __future__ import annotations

import keyword
import os
import re
import stat
from functools import lru_cache
from pathlib import Path

CDK_PACKAGES = {"aws-cdk-lib": "aws_cdk", "@aws-cdk/core": "aws_cdk", "constructs": "constructs"}
CDK_V1_SCOPE = "@aws-cdk/"
CDK_ROOT = "aws_cdk"
NOT_IDENTIFIER = re.compile(r"\W")
CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# Names that Python reserves: a member or variable spelled like one gets a trailing underscore,
# as jsii does for the CDK's Python bindings (``lambda`` module -> ``lambda_``).
RESERVED = frozenset({*keyword.kwlist, "self", "print"})


@lru_cache(maxsize=8192)
def identifier(name: str) -> str:
    """A name Python can spell: reserved words get a trailing underscore, ``$`` becomes ``S_``."""
    name = name.replace("$", "S_")
    name = NOT_IDENTIFIER.sub("_", name) or "_"
    if name[0].isdigit():
        name = "_" + name
    return name + "_" if name in RESERVED else name


@lru_cache(maxsize=8192)
def snake(name: str) -> str:
    """``defaultDatabaseName`` -> ``default_database_name``; PascalCase and UPPER_CASE unchanged.

    Only a name that starts lower-case and has a hump is converted, which is exactly how jsii
    turns the CDK's TypeScript members into the Python ones the catalogue names.
    """
    if not name[:1].islower() or name.isupper() or not any(c.isupper() for c in name):
        return identifier(name)
    return identifier(CAMEL_HUMP.sub("_", name).lower())


def module(specifier: str) -> str:
    """The canonical Python module of an import specifier ("" for one that names nothing)."""
    specifier = specifier.strip()
    if specifier.startswith("."):
        return _relative(specifier)
    if specifier.startswith("node:"):
        specifier = specifier[len("node:") :]
    if specifier in CDK_PACKAGES:
        return CDK_PACKAGES[specifier]
    if specifier.startswith("aws-cdk-lib/"):
        return _dotted(CDK_ROOT, specifier[len("aws-cdk-lib/") :])
    if specifier.startswith(CDK_V1_SCOPE):
        return _dotted(CDK_ROOT, specifier[len(CDK_V1_SCOPE) :])
    return _dotted(*specifier.lstrip("@").split("/"))


def _dotted(*parts: str) -> str:
    names = [identifier(p) for part in parts for p in part.split("/") if p]
    return ".".join(names)


def _relative(specifier: str) -> str:
    """``./db`` -> ``.db``; ``../lib/db-stack`` -> ``..lib.db_stack``; extensions dropped."""
    parts = specifier.split("/")
    dots = 1
    names: list[str] = []
    for part in parts:
        if part == "..":
            dots += 1
        elif part not in (".", ""):
            names.append(part)
    if names:
        stem = names[-1]
        for suffix in (".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", ".mts", ".cts"):
            if stem.endswith(suffix):
                names[-1] = stem[: -len(suffix)]
                break
        if names[-1] == "index":
            names.pop()
    return "." * dots + ".".join(identifier(n) for n in names)


SOURCE_SUFFIXES = (".py", ".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")
PACKAGE_FILES = frozenset({"__init__", "index"})  # the file that stands for its folder


def module_parts(path: str) -> list[str]:
    """A source file's module path as imports spell it: ``stacks/data_stack.py`` and
    ``lib/data-stack.ts`` -> ``[stacks, data_stack]``, ``[lib, data_stack]``; a package's
    ``__init__.py`` or a folder's ``index.ts`` stands for the folder."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return []
    for suffix in SOURCE_SUFFIXES:
        if parts[-1].endswith(suffix):
            parts[-1] = parts[-1][: -len(suffix)]
            break
    if is_package(path):
        parts.pop()
    return [identifier(p) for p in parts]


def is_package(path: str) -> bool:
    """Is the file the one that stands for its folder (``__init__.py``, ``index.ts``)?"""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.split(".", 1)[0]
    return (
        stem in PACKAGE_FILES and name.endswith(SOURCE_SUFFIXES) and "/" in path.replace("\\", "/")
    )


def app_directory(directory: Path, root: Path) -> Path | None:
    """The nearest directory from ``directory`` up to ``root`` (resolved) that holds a regular
    ``cdk.json``: the CDK app the files of ``directory`` belong to, None outside any."""
    root = root.resolve()
    directory = directory.resolve()
    while True:
        if _regular_file(directory / "cdk.json"):
            return directory
        if directory == root or directory.parent == directory:
            return None
        directory = directory.parent


def app_placement(directory: Path, root: Path) -> str:
    """The CDK app the modules of ``directory`` lie in ("" outside any): an input whose gate
    lets more through inside an app names this as its ``placement``, so that the result cache
    keys on it."""
    app = app_directory(directory, root)
    return "" if app is None else f"cdk-app:{app.as_posix()}"


def _regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
