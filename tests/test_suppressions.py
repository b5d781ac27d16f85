"""Template suppressions end to end, through the installed command.

``Metadata: {dsql-scan: {ignore: [{id, reason}]}}`` on a resource or at the template's top level
(CDK writes resource metadata into cdk.out with ``cfn_options.metadata``); a reason is required
(SCAN003) and a suppression that hides nothing is stale (SCAN002).
"""

from __future__ import annotations

import json

from tests.conftest import RESIDUE, run_cli, write
from tests.sarif_schema import assert_valid_sarif

REASON = "kept until the data copy is verified (LEDGER-42)"


def cluster(logical_id: str, ignore: str = "") -> str:
    metadata = f"\n    Metadata:\n      dsql-scan:\n        ignore:\n{ignore}" if ignore else ""
    return f"  {logical_id}:\n    Type: AWS::RDS::DBCluster{metadata}\n"


def template(*resources: str, top: str = "") -> str:
    head = f"Metadata:\n  dsql-scan:\n    ignore:\n{top}" if top else ""
    return head + "Resources:\n" + "".join(resources)


def scan_json(root, *args):
    run = run_cli("scan", ".", *RESIDUE, "--format", "json", *args, cwd=root)
    assert run.code in (0, 1), run.stderr
    return run, json.loads(run.stdout)


def test_reasoned_resource_suppression_hides_and_shows_on_request(tmp_path):
    ignore = f"          - id: RDS001\n            reason: {REASON}\n"
    write(tmp_path, {"t.yaml": template(cluster("Legacy", ignore))})
    hidden, document = scan_json(tmp_path)
    assert hidden.code == 0
    assert document["findings"] == [] and document["summary"]["suppressed"] == 1

    text = run_cli("scan", ".", *RESIDUE, "--show-suppressed", cwd=tmp_path)
    assert text.code == 0
    assert "RDS001" in text.stdout and "[suppressed]" in text.stdout and REASON in text.stdout

    _, shown = scan_json(tmp_path, "--show-suppressed")
    (finding,) = shown["findings"]
    assert finding["rule"] == "RDS001" and finding["suppressed"] is True
    assert finding["suppression"] == {"kind": "inSource", "reason": REASON}

    sarif = run_cli("scan", ".", *RESIDUE, "--format", "sarif", "--show-suppressed", cwd=tmp_path)
    document = json.loads(sarif.stdout)
    assert_valid_sarif(document)
    (result,) = document["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": REASON}
    ]
    plain = json.loads(run_cli("scan", ".", *RESIDUE, "--format", "sarif", cwd=tmp_path).stdout)
    assert plain["runs"][0]["results"] == []


def test_suppression_without_reason_is_scan003_and_hides_nothing(tmp_path):
    write(tmp_path, {"t.yaml": template(cluster("Legacy", "          - id: RDS001\n"))})
    run, document = scan_json(tmp_path)
    assert run.code == 1
    rules = {(f["rule"], f["line"]) for f in document["findings"]}
    assert rules == {("RDS001", 3), ("SCAN003", 7)}


def test_suppression_that_matches_nothing_is_scan002(tmp_path):
    ignore = f"          - id: RDS002\n            reason: {REASON}\n"
    write(tmp_path, {"t.yaml": template(cluster("Legacy", ignore))})
    run, document = scan_json(tmp_path)
    assert run.code == 1
    assert {(f["rule"], f["line"]) for f in document["findings"]} == {
        ("RDS001", 3),
        ("SCAN002", 7),
    }
    scan002 = next(f for f in document["findings"] if f["rule"] == "SCAN002")
    assert scan002["pointer"] == "/Resources/Legacy/Metadata/dsql-scan/ignore/0/id"


def test_top_level_metadata_covers_the_whole_template(tmp_path):
    top = f"      - id: RDS001\n        reason: {REASON}\n      - id: RDS007\n        reason: x\n"
    write(tmp_path, {"t.yaml": template(cluster("One"), cluster("Two"), top=top)})
    run, document = scan_json(tmp_path, "--show-suppressed")
    assert run.code == 1  # the stale RDS007 entry
    by_rule = {}
    for finding in document["findings"]:
        by_rule.setdefault(finding["rule"], []).append(finding)
    assert [f["resource"] for f in by_rule["RDS001"]] == ["One", "Two"]
    assert all(f["suppressed"] for f in by_rule["RDS001"])
    (stale,) = by_rule["SCAN002"]
    assert stale["line"] == 6 and "RDS007" in stale["message"]


def test_suppression_only_hides_its_own_resource(tmp_path):
    ignore = f"          - id: RDS001\n            reason: {REASON}\n"
    write(tmp_path, {"t.yaml": template(cluster("Kept", ignore), cluster("Other"))})
    run, document = scan_json(tmp_path)
    assert run.code == 1
    assert [(f["rule"], f["resource"]) for f in document["findings"]] == [("RDS001", "Other")]


def test_deselected_rule_does_not_make_its_suppression_stale(tmp_path):
    ignore = f"          - id: RDS001\n            reason: {REASON}\n"
    write(tmp_path, {"t.yaml": template(cluster("Legacy", ignore))})
    run, document = scan_json(tmp_path, "--select", "SCAN,RDS002")
    assert run.code == 0 and document["findings"] == []


CDK_TEMPLATE = {
    "Resources": {
        "LegacyClusterA1B2C3": {
            "Type": "AWS::RDS::DBCluster",
            "Properties": {"Engine": "aurora-postgresql"},
            "Metadata": {
                "dsql-scan": {
                    "ignore": [
                        {"id": "RDS001", "reason": REASON},
                        {"id": "RDS003", "reason": REASON},
                    ]
                },
                "aws:cdk:path": "LedgerStack/LegacyCluster/Resource",
            },
        }
    }
}
MANIFEST = {
    "version": "36.0.0",
    "artifacts": {
        "LedgerStack": {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": "LedgerStack.template.json"},
        }
    },
}


def test_cdk_out_metadata_suppresses_synthesized_resources(tmp_path):
    write(
        tmp_path,
        {
            "cdk.out/manifest.json": json.dumps(MANIFEST),
            "cdk.out/LedgerStack.template.json": json.dumps(CDK_TEMPLATE, indent=1),
        },
    )
    run, document = scan_json(tmp_path)
    assert run.code == 0 and document["summary"]["suppressed"] == 2
    text = run_cli("scan", ".", *RESIDUE, "--show-suppressed", cwd=tmp_path).stdout
    assert "construct LedgerStack/LegacyCluster/Resource" in text
    assert text.count(f"suppressed: {REASON}") == 2
