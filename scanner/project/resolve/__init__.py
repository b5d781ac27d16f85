"""The resolution stage: values that cross files, resolved before the rules judge them.

Inputs see one file. Real applications split their work: a database stack creates the cluster
and exports its endpoint, an API stack imports it into an environment variable; a CDK module
creates a construct that another module grants or wires. Each input records such values
symbolically (an ``Fn::ImportValue`` target names an export, not a resource); this stage,
run on the facts of every file in scope once they are all known, replaces them with the
resources they come from, marked with how they got there (``Target.via``). File rules then
judge the resolved facts exactly as they judge a value written in place, and the project model
links them, so neither needs to know how the value travelled.

Each provider is a module with ``resolve(files) -> list[FileFacts]``: the files in the same
order, a file with nothing to resolve returned as the very same object (the engine re-judges
only the files that changed). Providers are pure and bounded: a cycle of exports or an
unresolvable name leaves the symbolic value in place, which rules treat as unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

from scanner.facts import FileFacts
from scanner.project.resolve import imports, symbols

PROVIDERS = (imports, symbols)


def resolve(files: Sequence[FileFacts]) -> list[FileFacts]:
    """Every file's facts with the values that come from other files resolved."""
    resolved = list(files)
    for provider in PROVIDERS:
        resolved = provider.resolve(resolved)
    return resolved
