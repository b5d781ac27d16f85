"""A cloud assembly from a pull request: its manifest, metadata and tree are untrusted input.

Nothing they say may crash a scan, make it read outside the scanned tree, or make the search
for a logical id's construct path run long.
"""

from __future__ import annotations

import json
import os
import time

from scanner.project.cdkpaths import (
    SCAN_STEPS,
    SEARCH_STEPS,
    Budget,
    make_unique_id,
    manifest_paths,
    recover,
    tree_paths,
)
from tests.conftest import run_cli, write

TOP_LEVEL = """
import aws_cdk as cdk
from aws_cdk import aws_dsql as dsql

stack = cdk.Stack(cdk.App(), "Data")
dsql.CfnCluster(stack, "Top", deletion_protection_enabled=True)
"""


def _template(logical_id: str) -> str:
    return json.dumps(
        {"Resources": {logical_id: {"Type": "AWS::DSQL::Cluster", "Properties": {}}}}, indent=1
    )


def _manifest(metadata_file: object, properties: object = None) -> str:
    artifact = {
        "type": "aws:cloudformation:stack",
        "properties": {"templateFile": "Data.template.json"} if properties is None else properties,
        "additionalMetadataFile": metadata_file,
    }
    return json.dumps({"artifacts": {"Data": artifact}})


def test_metadata_files_outside_the_assembly_are_never_read(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text(
        json.dumps({"/Data/Store/Ledger": [{"type": "aws:cdk:logicalId", "data": "X"}]})
    )
    assembly = tmp_path / "app" / "cdk.out"
    assembly.mkdir(parents=True)
    for name in ("../../outside.json", str(outside), "", ".hidden", 7, ["a"]):
        (assembly / "manifest.json").write_text(_manifest(name))
        assert manifest_paths(assembly) == {}, name
    os.symlink(outside, assembly / "linked.json")  # a link, even inside, is not followed
    (assembly / "manifest.json").write_text(_manifest("linked.json"))
    assert manifest_paths(assembly) == {}


def test_malformed_records_give_nothing_instead_of_a_crash(tmp_path):
    assembly = tmp_path / "cdk.out"
    assembly.mkdir()
    deep = "[" * 100_000 + "]" * 100_000
    for text in ("", "not json", "[]", '{"artifacts": []}', deep, _manifest("m.json", [1])):
        (assembly / "manifest.json").write_text(text)
        (assembly / "tree.json").write_text(text)
        assert manifest_paths(assembly) == {}
        assert tree_paths(assembly) == {}
    os.mkfifo(assembly / "m.json")  # a FIFO is never opened for reading, so never a hang
    (assembly / "manifest.json").write_text(_manifest("m.json"))
    assert manifest_paths(assembly) == {}


def test_a_deep_or_wide_tree_is_walked_within_bounds(tmp_path):
    node: dict = {
        "id": "Leaf",
        "path": "Data/" + "/".join(["x"] * 300),
        "attributes": {"aws:cdk:cloudformation:logicalId": "Deep"},
    }
    for _ in range(300):
        node = {"id": "x", "path": "Data/x", "children": {"x": node}}
    tree = {"tree": {"id": "App", "path": "", "children": {"Data": {
        "id": "Data", "path": "Data", "constructInfo": {"fqn": "aws-cdk-lib.Stack"},
        "children": {"x": node}}}}}  # fmt: skip
    (tmp_path / "tree.json").write_text(json.dumps(tree))
    assert tree_paths(tmp_path)["Data"]["Deep"].startswith("Data/x/x")


def test_the_search_is_bounded_on_a_hostile_vocabulary():
    vocabulary = ["a" * n for n in range(1, 120)] + ["b", "ab", "ba"]
    target = make_unique_id(["a" * 239, "c"])  # readable part of 240, found by no split
    started = time.perf_counter()
    assert recover(target, vocabulary) is None
    assert time.perf_counter() - started < 5
    # a scan shares one budget: a hundred such ids cost no more than a few of them
    budget = Budget()
    started = time.perf_counter()
    for n in range(100):
        assert recover(make_unique_id(["a" * 239, f"c{n}"]), vocabulary, budget) is None
    assert budget.left <= 0 and time.perf_counter() - started < 20
    assert SEARCH_STEPS < SCAN_STEPS


def test_a_hand_written_template_is_never_linked_by_a_look_alike_id(tmp_path):
    """Only CDK's own templates link by logical id: a template that is not in a cloud assembly
    and happens to name its cluster like the source's construct is a second cluster."""
    write(
        tmp_path,
        {
            "cdk.json": "{}",
            "app.py": TOP_LEVEL,
            "infra/Data.template.json": _template("Top"),
        },
    )
    run = run_cli("scan", ".", "--select", "DSQL002", "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in run.json()["findings"]] == ["DSQL002"]
    (tmp_path / "infra" / "cdk.out").write_text('{"version":"48.0.0"}')  # CDK's assembly marker
    run = run_cli("scan", ".", "--select", "DSQL002", "--format", "json", cwd=tmp_path)
    assert run.json()["findings"] == []
