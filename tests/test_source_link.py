"""Template findings point back to the CDK source line that created the construct."""

from __future__ import annotations

import json

from tests.conftest import run_cli, write

STACK = """\
from aws_cdk import Stack
from aws_cdk import aws_rds as rds


class Ledger(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        rds.DatabaseCluster(self, "OrbitAurora", engine=rds.DatabaseClusterEngine.AURORA_POSTGRESQL)
        rds.SubnetGroup(self, "Subnets", description="ledger", vpc=None)
"""
REPORTS = """\
from aws_cdk import aws_rds as rds


def reports(scope):
    rds.SubnetGroup(scope, "Subnets", description="reports", vpc=None)
"""


def resource(type_name: str, path: str) -> dict:
    return {"Type": type_name, "Metadata": {"aws:cdk:path": path}}


TEMPLATE = {
    "Resources": {
        "OrbitAurora1A2B3C4D": resource("AWS::RDS::DBCluster", "Ledger/OrbitAurora/Resource"),
        "OrbitAurorawriter5E6F": resource(
            "AWS::RDS::DBInstance", "Ledger/OrbitAurora/writer/Resource"
        ),
        "Subnets99AA": resource("AWS::RDS::DBSubnetGroup", "Ledger/Subnets/Default"),
        "ProxyBBCC": resource("AWS::RDS::DBProxy", "Ledger/Elsewhere/Resource"),
    }
}


def scan(tmp_path, *args: str) -> list[dict]:
    write(tmp_path, {"stack.py": STACK, "reports.py": REPORTS})
    write(tmp_path, {"cdk.out/Ledger.template.json": json.dumps(TEMPLATE, indent=1)})
    run = run_cli("scan", ".", *args, cwd=tmp_path)
    assert run.code == 1, run.stderr
    return run.json()["findings"] if "json" in args else run.stdout


def links(tmp_path) -> dict[str, tuple[str, int] | None]:
    out = {}
    for finding in scan(tmp_path, "--format", "json"):
        if finding["path"].endswith(".template.json") and finding["rule"] != "RDS003":
            place = (finding.get("source_path"), finding.get("source_line"))
            out[finding["resource"]] = place if place[0] else None
    return out


def test_unique_construct_id_links_to_its_line(tmp_path):
    assert links(tmp_path)["OrbitAurora1A2B3C4D"] == ("stack.py", 8)


def test_deepest_known_id_decides(tmp_path):
    # "writer" is created by the cluster itself, not by the source: the cluster's line it is.
    assert links(tmp_path)["OrbitAurorawriter5E6F"] == ("stack.py", 8)


def test_ambiguous_and_unknown_ids_are_not_guessed(tmp_path):
    found = links(tmp_path)
    assert found["Subnets99AA"] is None  # created in stack.py and in reports.py
    assert found["ProxyBBCC"] is None


def test_source_findings_are_not_linked_and_text_shows_the_link(tmp_path):
    source = [f for f in scan(tmp_path, "--format", "json") if f["path"] == "stack.py"]
    assert source and all("source_path" not in f for f in source)
    assert "= defined at stack.py:8" in scan(tmp_path)


def test_two_cdk_apps_creating_the_same_id_each_link_to_their_own_source(tmp_path):
    """Ids are looked up in the app whose cdk.out holds the template: ``Subnets`` is created by
    both apps (one in Python, one in TypeScript), and each template links to its own app."""
    typescript = """\
import { Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';

export class Reports extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    new rds.SubnetGroup(this, 'Subnets', { description: 'reports', vpc: undefined as any });
  }
}
"""
    template = {"Resources": {"Subnets1": resource("AWS::RDS::DBSubnetGroup", "R/Subnets/Default")}}
    write(
        tmp_path,
        {
            "ledger/cdk.json": "{}",
            "ledger/stack.py": STACK,
            "ledger/cdk.out/Ledger.template.json": json.dumps(TEMPLATE, indent=1),
            "reports/cdk.json": "{}",
            "reports/lib/reports-stack.ts": typescript,
            "reports/cdk.out/R.template.json": json.dumps(template, indent=1),
        },
    )
    run = run_cli("scan", ".", "--preview", "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.stderr
    places = {
        (f["path"], f["resource"]): (f.get("source_path"), f.get("source_line"))
        for f in run.json()["findings"]
        if f["path"].endswith(".template.json") and f["resource"].startswith("Subnets")
    }
    assert places == {
        ("ledger/cdk.out/Ledger.template.json", "Subnets99AA"): ("ledger/stack.py", 9),
        ("reports/cdk.out/R.template.json", "Subnets1"): ("reports/lib/reports-stack.ts", 7),
    }
