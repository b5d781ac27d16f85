"""Project rules judge projects that have a database, and point at a file a user can open.

A project rule about the DSQL target state (a cluster must exist, the application needs a health
check) has nothing to say about a tree without any Aurora RDS or DSQL database: a template
library, a web framework, a DynamoDB service. Where it does fire, its finding is located at the
thing that matters (the cluster, the connection, the setting), never at the directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote

import click
import jinja2
import pytest

from scanner.rules import ALL_RULES
from tests.conftest import run_cli, write
from tests.gitrepo import at_base
from tests.sarif_schema import assert_valid_sarif

PROJECT_RULES = [rule for rule in ALL_RULES if rule.project_check is not None]
FIRING = [
    pytest.param(rule, example, id=f"{rule.id}-{index}")
    for rule in PROJECT_RULES
    for index, example in enumerate(rule.examples)
    if example.fires
]


@pytest.mark.parametrize("package", [jinja2, click], ids=lambda p: p.__name__)
def test_a_real_python_tree_without_a_database_gets_no_finding(tmp_path, package):
    source = Path(package.__file__).parent
    shutil.copytree(source, tmp_path / source.name, ignore=shutil.ignore_patterns("__pycache__"))
    run = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=tmp_path)
    assert run.json()["summary"]["files_scanned"] > 10  # the package was read, not skipped
    assert (run.code, run.json()["findings"]) == (0, []), run.stdout


def test_a_dynamodb_service_with_its_template_gets_no_finding(tmp_path):
    write(
        tmp_path,
        {
            "infra/stack.yaml": """
                Resources:
                  Orders:
                    Type: AWS::DynamoDB::Table
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          TABLE_NAME: !Ref Orders
                          REDIS_HOST: cache.internal
                """,
            "app/handler.py": """
                import os

                import boto3
                import redis

                TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
                CACHE = redis.Redis(host=os.environ["REDIS_HOST"])


                def handler(event, context):
                    return TABLE.get_item(Key={"id": event["id"]})
                """,
        },
    )
    run = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=tmp_path)
    assert (run.code, run.json()["findings"]) == (0, []), run.stdout


@pytest.mark.parametrize(("rule", "example"), FIRING)
def test_every_project_rule_is_located_at_an_existing_file_in_sarif(tmp_path, rule, example):
    compared = ("--diff-base", at_base(tmp_path, dict(example.base))) if example.base else ()
    write(tmp_path, {example.file_name: example.source, **dict(example.extra_files)})
    run = run_cli("scan", ".", "--format", "sarif", "--no-cache", *compared, cwd=tmp_path)
    document = run.json()
    assert_valid_sarif(document)
    results = [r for r in document["runs"][0]["results"] if r["ruleId"] == rule.id]
    assert len(results) == example.fires, run.stdout
    for result in document["runs"][0]["results"]:
        for location in result["locations"]:
            artifact = location["physicalLocation"]["artifactLocation"]
            assert artifact["uriBaseId"] == "%SRCROOT%"
            path = tmp_path / unquote(artifact["uri"])
            assert path.is_file(), f"{result['ruleId']} is located at {artifact['uri']!r}"
            assert location["physicalLocation"]["region"]["startLine"] >= 1


def test_dsql011_says_how_to_suppress_it_with_a_reason():
    run = run_cli("rules", "DSQL011")
    text = " ".join(run.stdout.split())
    assert run.code == 0
    assert 'ignore = [{ id = "DSQL011", reason = ' in text
    assert "# dsql-scan: ignore[DSQL011]" in text
