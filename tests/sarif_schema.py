"""The official SARIF 2.1.0 schema, from the shared folder beside the repository."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from jsonschema import FormatChecker, validators

from tests.conftest import ROOT

SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=FormatChecker())  # all formats, uri-reference too


def assert_valid_sarif(document: dict[str, Any]) -> None:
    """Validate against the schema, formats (uri, uri-reference) included; skip if absent."""
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (shared/ must sit beside the repository)")
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
