"""Every documented example of every rule, run through the real engine.

The examples are the rule's documentation (``dsql-scan rules ID``), so this test is what keeps
the docs honest: an example that says "fires twice on lines 3 and 7" must do exactly that.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from scanner.config import Config, load
from scanner.pipeline.engine import scan
from scanner.rules import ALL_RULES, sql
from tests.conftest import write

CASES = [
    pytest.param(rule, example, id=f"{rule.id}-{index}-{'fires' if example.fires else 'clean'}")
    for rule in ALL_RULES
    for index, example in enumerate(rule.examples)
]


def test_every_rule_documents_both_outcomes():
    for rule in ALL_RULES:
        outcomes = {example.fires > 0 for example in rule.examples}
        # The catch-all fires only for rules newer than the installed dsql-lint (test_sql.py);
        # SCAN004 only where dsql-lint is missing (test_sql_cli.py).
        machine_bound = rule.id in (sql.CATCH_ALL, "SCAN004")
        expected = {False} if machine_bound else {True, False}
        assert outcomes == expected, f"{rule.id} needs a firing and a non-firing example"


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_example(tmp_path, rule, example):
    write(tmp_path, {example.file_name: example.source, **dict(example.extra_files)})
    config_file = tmp_path / "pyproject.toml"
    # an example may show the configuration it needs; an opt-in rule runs when selected
    config = load(str(config_file)) if config_file.is_file() else Config(root=tmp_path)
    if rule.opt_in:
        config = replace(config, extend_select=(rule.id,))
    result = scan((str(tmp_path),), config)
    hits = [f for f in result.findings if f.rule == rule.id]
    assert len(hits) == example.fires, [(f.location.line, f.message) for f in result.findings]
    if example.lines:
        assert tuple(f.location.line for f in hits) == example.lines
