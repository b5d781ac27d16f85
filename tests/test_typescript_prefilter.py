"""The TypeScript/JavaScript prefilter is sound: a module it skips yields no fact in full.

The claim in scanner.inputs.typescript.module.TRIGGERS is checked against real code: the
project's TS/JS examples and fixtures and a spread of the npm packages `make test` installs
(aws-cdk-lib's compiled JavaScript, constructs, the TypeScript compiler's own sources).
"""

from __future__ import annotations

import pytest

from scanner.facts import FileFacts
from scanner.inputs.guards import ParseFailure
from scanner.inputs.typescript import module
from tests.real_code import NODE_MODULES, real_scripts

FILES = real_scripts()
INSTALLED = NODE_MODULES.is_dir()
pytestmark = pytest.mark.skipif(not INSTALLED, reason="npm packages not installed: run make test")


def _text(path):
    return path.read_text(encoding="utf-8", errors="replace")


def test_the_corpus_exercises_both_outcomes():
    skipped = sum(module.inert(_text(p)) for p in FILES)
    assert len(FILES) > 300
    assert 30 < skipped < len(FILES) - 30, skipped


@pytest.mark.parametrize("path", [p for p in FILES if module.inert(_text(p))], ids=lambda p: p.name)
def test_skipped_modules_have_no_facts(path):
    text = _text(path)
    try:
        facts, suppressions = module.facts_of(text, path.name, prefilter=False)
    except ParseFailure:
        return  # refused before any facts, with or without the prefilter
    assert facts == FileFacts(kind=facts.kind, path=path.name), path
    assert suppressions == ()


def test_a_trigger_word_means_full_analysis():
    text = "import { Pool } from 'pg';\nexport const pool = new Pool({ host: 'x' });\n"
    assert not module.inert(text)
    assert module.inert("export const add = (a: number, b: number) => a + b;\n")
