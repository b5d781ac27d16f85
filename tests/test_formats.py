"""Every output format, parsed by its real consumer, on every scenario, from one CLI run each.

Each scenario is scanned once with all six formats written side by side (which also exercises
several outputs in one run); then SARIF is validated against the official schema, JUnit parsed
with an XML parser, GitHub commands parsed by the runner's escaping rules, Markdown split into
table cells, and each of them is cross-checked against the JSON report of the same run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from scanner.rules import ALL_RULES, BY_ID, selected
from tests.conftest import RESIDUE, Run, run_cli, write
from tests.report_parsers import parse_github, table_rows
from tests.sarif_schema import assert_valid_sarif

FORMATS = ("json", "sarif", "github", "junit", "markdown", "text")

LEGACY = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      LegacyCluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          MasterUserSecret:
            SecretArn: arn:aws:secretsmanager:us-east-1:111122223333:secret:db
      LegacyInstance:
        Type: AWS::RDS::DBInstance
        Properties:
          Engine: aurora-postgresql
          DBClusterIdentifier: !Ref LegacyCluster
      DbPort:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: "db | port <5432>"
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 5432
              ToPort: 5432
"""

MIGRATED = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      Ledger:
        Type: AWS::DSQL::Cluster
        Properties:
          DeletionProtectionEnabled: true
"""

SUPPRESSED = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      LegacyCluster:
        Type: AWS::RDS::DBCluster
        Metadata:
          dsql-scan:
            ignore:
              - id: RDS001
                reason: "kept until the copy is verified, see LEDGER-42: 100% | done"
        Properties:
          DatabaseName: ledger
"""

CDK_TEMPLATE = """
    {
      "Resources": {
        "LegacyClusterA1B2C3": {
          "Type": "AWS::RDS::DBCluster",
          "Properties": {"Engine": "aurora-postgresql"},
          "Metadata": {"aws:cdk:path": "LedgerStack/LegacyCluster/Resource"}
        }
      }
    }
"""

MANIFEST = """
    {
      "version": "36.0.0",
      "artifacts": {
        "LedgerStack": {
          "type": "aws:cloudformation:stack",
          "properties": {"templateFile": "LedgerStack.template.json"}
        }
      }
    }
"""

SCENARIOS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "legacy": ({"infra/legacy.yaml": LEGACY}, ()),
    "migrated": ({"infra/ledger.yaml": MIGRATED}, ()),
    "suppressed": ({"infra/legacy.yaml": SUPPRESSED}, ("--show-suppressed",)),
    "parse-error": (
        {"infra/broken.yaml": "Resources:\n  X: [unclosed\n  AWS::RDS::DBCluster\n"},
        (),
    ),
    "odd-path": ({"infra dir/tëmpl,ate 100%.yaml": LEGACY}, RESIDUE),
    "cdk-out": (
        {"cdk.out/manifest.json": MANIFEST, "cdk.out/LedgerStack.template.json": CDK_TEMPLATE},
        (),
    ),
}


def scan_all_formats(root: Path, extra: tuple[str, ...] = ()) -> tuple[Run, dict[str, str]]:
    out = root.parent / f"{root.name}-reports"
    out.mkdir(exist_ok=True)
    args = ["scan", str(root), *extra]
    for fmt in FORMATS:
        args += ["--format", fmt, "-o", str(out / f"report.{fmt}")]
    run = run_cli(*args, cwd=root)
    assert run.code in (0, 1), run.stderr
    return run, {fmt: (out / f"report.{fmt}").read_text(encoding="utf-8") for fmt in FORMATS}


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple[Run, dict[str, str]]]:
    done = {}
    for name, (files, extra) in SCENARIOS.items():
        root = write(tmp_path_factory.mktemp(name), files)
        done[name] = scan_all_formats(root, extra)
    return done


def rules_run(scenario: str) -> list[str]:
    """The ids a scenario's run selected, in catalogue order (SARIF and JUnit list those)."""
    extra = SCENARIOS[scenario][1]
    chosen = extra[extra.index("--select") + 1].split(",") if "--select" in extra else []
    enabled = selected(chosen, ())
    return [r.id for r in ALL_RULES if r.id in enabled]


def json_findings(texts: dict[str, str]) -> list[dict]:
    return json.loads(texts["json"])["findings"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_json_has_the_documented_fields(reports, scenario):
    run, texts = reports[scenario]
    document = json.loads(texts["json"])
    assert document["version"] == 1 and document["tool"]["name"] == "dsql-scan"
    required = {
        "rule", "severity", "message", "path", "line", "column", "end_line", "end_column",
        "fingerprint", "requirements", "suppressed",
    }  # fmt: skip
    for finding in document["findings"]:
        assert required <= finding.keys()
    assert document["summary"]["failed"] is (run.code == 1)
    assert run.stdout == ""  # every report went to a file
    assert "file(s) scanned" in run.stderr  # the text report went to stderr


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_sarif_is_valid_and_matches_json(reports, scenario):
    _, texts = reports[scenario]
    sarif = json.loads(texts["sarif"])
    assert_valid_sarif(sarif)
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == rules_run(scenario)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    findings = json_findings(texts)
    assert len(run["results"]) == len(findings)
    for result, finding in zip(run["results"], findings, strict=True):
        assert result["ruleId"] == finding["rule"] == rules[result["ruleIndex"]]["id"]
        assert result["level"] == finding["severity"]
        assert result["message"]["text"] == finding["message"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert unquote(physical["artifactLocation"]["uri"]) == finding["path"]
        region = physical["region"]
        assert (region["startLine"], region["startColumn"]) == (finding["line"], finding["column"])
        assert region["endLine"] == finding["end_line"]
        assert result["partialFingerprints"] == {"dsqlScan/v1": finding["fingerprint"]}
        if finding.get("resource"):
            logical = result["locations"][0]["logicalLocations"][0]
            assert (logical["name"], logical["kind"]) == (finding["resource"], "resource")
        if finding["suppressed"]:
            (suppression,) = result["suppressions"]
            assert suppression["kind"] == "inSource"
            assert suppression["justification"] == finding["suppression"]["reason"]
        else:
            assert "suppressions" not in result


def test_sarif_rule_metadata_is_complete(reports):
    _, texts = reports["migrated"]
    for descriptor in json.loads(texts["sarif"])["runs"][0]["tool"]["driver"]["rules"]:
        rule = BY_ID[descriptor["id"]]
        assert descriptor["shortDescription"]["text"] == rule.title
        assert descriptor["fullDescription"]["text"] == rule.rationale
        assert descriptor["helpUri"] == rule.help_uri
        assert descriptor["defaultConfiguration"]["level"] == rule.severity.label
        assert rule.remediation in descriptor["help"]["text"]
        markdown = descriptor["help"]["markdown"]
        assert rule.remediation in markdown
        first_line = rule.examples[0].source.splitlines()[0]
        assert first_line in markdown and "```" in markdown


def test_cdk_findings_carry_the_construct_path(reports):
    _, texts = reports["cdk-out"]
    (finding,) = [f for f in json_findings(texts) if f["rule"] == "RDS001"]
    sarif = json.loads(texts["sarif"])
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "RDS001")
    logical = result["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"] == "LedgerStack/LegacyCluster/Resource"
    assert result["properties"]["constructPath"] == finding["construct_path"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_junit_has_a_testcase_per_rule_and_a_failure_per_finding(reports, scenario):
    _, texts = reports[scenario]
    root = ET.fromstring(texts["junit"].encode("utf-8"))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name").split()[0] for c in cases] == rules_run(scenario)
    active = [f for f in json_findings(texts) if not f["suppressed"]]
    for case in cases:
        rule_id = case.get("name").split()[0]
        expected = [f for f in active if f["rule"] == rule_id]
        failures = case.findall("failure")
        assert len(failures) == len(expected)
        for failure, finding in zip(failures, expected, strict=True):
            assert failure.get("message").startswith(
                f"{finding['path']}:{finding['line']}:{finding['column']}: "
            )
            assert finding["fingerprint"] in failure.text
    failing = sum(1 for c in cases if c.findall("failure"))
    assert suite.get("tests") == str(len(cases)) and suite.get("failures") == str(failing)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_github_commands_match_json(reports, scenario):
    _, texts = reports[scenario]
    commands = parse_github(texts["github"])
    findings = json_findings(texts)
    assert len(commands) == len(findings)
    levels = {"error": "error", "warning": "warning", "note": "notice"}
    for (level, props, message), finding in zip(commands, findings, strict=True):
        if finding["path"] == ".":  # a project-level finding annotates the run, not a file
            assert not {"file", "line", "col"} & props.keys()
        else:
            assert props["file"] == finding["path"]
            assert (props["line"], props["col"]) == (str(finding["line"]), str(finding["column"]))
            assert props["endLine"] == str(finding["end_line"])
        assert props["title"] == f"{finding['rule']} {finding['name']}"
        assert message.startswith(finding["message"])
        assert level == ("notice" if finding["suppressed"] else levels[finding["severity"]])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_markdown_table_has_one_row_per_finding(reports, scenario):
    _, texts = reports[scenario]
    rows = table_rows(texts["markdown"])
    findings = json_findings(texts)
    assert len(rows) == len(findings)
    for cells, finding in zip(rows, findings, strict=True):
        assert len(cells) == 4
        assert finding["rule"] in cells[1]
    headline = texts["markdown"].splitlines()[0]
    assert headline.startswith("### dsql-scan:")
    assert ("no findings" in headline) == (not [f for f in findings if not f["suppressed"]])


def test_odd_paths_survive_every_format(reports):
    _, texts = reports["odd-path"]
    path = "infra dir/tëmpl,ate 100%.yaml"
    assert {f["path"] for f in json_findings(texts)} == {path}
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(texts["sarif"])["runs"][0]["results"]
    }
    assert uris == {"infra%20dir/t%C3%ABmpl%2Cate%20100%25.yaml"}
    assert {props["file"] for _, props, _ in parse_github(texts["github"])} == {path}


def test_reports_are_byte_identical_across_runs(reports, tmp_path):
    files, extra = SCENARIOS["legacy"]
    root = write(tmp_path / "legacy", files)
    _, again = scan_all_formats(root, extra)
    _, first = reports["legacy"]
    for fmt in ("json", "github", "junit", "markdown", "text"):
        assert again[fmt] == first[fmt], fmt
    strip_root = [json.loads(t["sarif"]) for t in (first, again)]
    for document in strip_root:
        document["runs"][0].pop("originalUriBaseIds")
    assert strip_root[0] == strip_root[1]
