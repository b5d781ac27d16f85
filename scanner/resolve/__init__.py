"""The stage between facts and rules: values that reach a file from other files are resolved.

Each provider is a module with ``resolve(files) -> list[FileFacts]`` (same order; a file with
nothing to resolve is returned as the same object, so the engine can tell what changed). File
rules then judge values that come from elsewhere without knowing how they got there.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.facts import FileFacts
from scanner.resolve import symbols

PROVIDERS = (symbols,)


def resolve(files: Sequence[FileFacts]) -> list[FileFacts]:
    """Every provider in turn over the facts of every analysed file."""
    resolved = list(files)
    for provider in PROVIDERS:
        resolved = provider.resolve(resolved)
    return resolved
