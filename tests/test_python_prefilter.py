"""The Python prefilter is sound: a module it skips yields no fact under the full analysis.

The claim in scanner.inputs.python.module.TRIGGERS is checked against real code: this project's own
modules, examples and fixtures, and the installed libraries (click, jinja2, yaml, libcst,
cfn-lint...), several hundred files of every style.
"""

from __future__ import annotations

import pytest

from scanner.facts import FileFacts
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import module as python
from tests.conftest import python_output
from tests.real_code import real_modules

FILES = real_modules()


def test_the_corpus_exercises_both_outcomes():
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in FILES]
    skipped = sum(python.inert(t) for t in texts)
    assert len(FILES) > 400
    assert 50 < skipped < len(FILES) - 50, skipped


@pytest.mark.parametrize(
    "path",
    [p for p in FILES if python.inert(p.read_text(errors="replace"))],
    ids=lambda p: p.name,
)
def test_skipped_modules_have_no_facts(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    cpython = python.cpython_accepts(text)
    try:
        module = python.parse(text)
    except ParseFailure:  # a file that does not parse is SCAN001, before any facts
        # the shortcut checks syntax with CPython alone: it must never accept what libcst refuses
        assert not cpython
        pytest.skip("does not parse")
    facts, suppressions = python._extract(module, "m.py", text)
    assert facts == FileFacts(kind="app", path="m.py")
    assert suppressions == ()
    assert python.facts_of(text, "m.py") == (facts, suppressions)


def test_a_trigger_word_means_full_analysis():
    assert not python.inert("import boto3\nDATA = boto3.client('rds-data')\n")
    assert not python.inert("import os\nHOST = os.environ['DB_HOST']\n")
    assert python.inert("import boto3\nS3 = boto3.client('s3')\n")


def test_an_inert_module_is_checked_without_importing_libcst():
    probe = (
        "import sys\n"
        "from scanner.inputs.python import module as python\n"
        "facts, _ = python.facts_of('import json\\nprint(json.dumps({}))\\n', 'm.py')\n"
        "print(facts.kind, 'libcst' in sys.modules)\n"
    )
    assert python_output(probe).split() == ["app", "False"]


def test_a_syntax_error_in_an_inert_module_is_still_refused_with_its_position():
    with pytest.raises(ParseFailure) as refused:
        python.facts_of("import json\n\ndef broken(:\n    pass\n", "m.py")
    assert refused.value.reason.startswith("syntax error")
    assert (refused.value.line, refused.value.column) == (3, 12)


def test_syntax_newer_than_the_interpreter_is_judged_by_libcst():
    source = (
        "type Pair = tuple[int, int]\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n"
    )
    assert python.inert(source)
    assert python.facts_of(source, "m.py") == (FileFacts(kind="app", path="m.py"), ())
