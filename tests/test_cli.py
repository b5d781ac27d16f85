"""The command line as users and CI see it: exit codes, options, formats, colour, determinism."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from scanner import __version__
from scanner.rules import ALL_RULES
from tests.conftest import EXAMPLES, dsql_scan_executable, run_cli, write

LEGACY = str(EXAMPLES / "legacy" / "cloudformation" / "ledger.yaml")
MIGRATED = str(EXAMPLES / "migrated" / "cloudformation" / "ledger.yaml")
SG_ONLY = """
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: sg-1, IpProtocol: tcp, FromPort: 5432, ToPort: 5432}
"""


def test_version_and_module_entry_point():
    assert run_cli("--version").stdout.strip() == f"dsql-scan, version {__version__}"
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "--version"], capture_output=True, text=True
    )
    assert proc.stdout.strip() == f"dsql-scan, version {__version__}"


def test_rules_lists_every_rule_and_documents_one():
    listing = run_cli("rules").stdout.splitlines()
    assert [line.split()[0] for line in listing] == [r.id for r in ALL_RULES]
    doc = run_cli("rules", "rds005")
    assert doc.code == 0
    assert doc.stdout.startswith("RDS005 rds-credentials (error)")
    assert "Why:" in doc.stdout and "Fix:" in doc.stdout
    assert "AWS::SecretsManager::SecretTargetAttachment" in doc.stdout
    assert "does not fire" in doc.stdout


def test_unknown_rule_is_a_usage_error():
    for args in (("rules", "RDS999"), ("scan", LEGACY, "--select", "XYZ"), ("--ignore", "Q1")):
        run = run_cli(*args)
        assert run.code == 2, args
        assert run.stderr.startswith("dsql-scan: error:") and "Traceback" not in run.stderr


def test_missing_path_and_unknown_option_are_usage_errors(tmp_path):
    run = run_cli("scan", "does-not-exist", cwd=tmp_path)
    assert (run.code, run.stderr.strip()) == (
        2,
        "dsql-scan: error: no such file or directory: does-not-exist",
    )
    assert run_cli("scan", "--no-such-option").code == 2


def test_exit_codes_follow_fail_on(tmp_path):
    write(tmp_path, {"sg.yaml": SG_ONLY})
    only = ("--select", "RDS007")
    assert run_cli("scan", ".", *only, cwd=tmp_path).code == 1  # warning >= default warning
    assert run_cli("scan", ".", *only, "--fail-on", "error", cwd=tmp_path).code == 0
    assert run_cli("scan", ".", *only, "--fail-on", "note", cwd=tmp_path).code == 1
    assert run_cli("scan", ".", "--fail-on", "never", cwd=tmp_path).code == 0
    # judged on its own: in this repository other example projects and fixtures declare clusters
    assert run_cli("scan", MIGRATED, cwd=tmp_path).code == 0


def test_default_command_is_scan():
    assert (
        run_cli(LEGACY, "--select", "RDS001").stdout
        == run_cli("scan", LEGACY, "--select", "RDS001").stdout
    )


def test_select_and_ignore_by_prefix():
    def rules(*args):
        return {
            f["rule"] for f in run_cli("scan", LEGACY, "--format", "json", *args).json()["findings"]
        }

    assert rules("--select", "RDS001,RDS002") == {"RDS001", "RDS002"}
    assert rules("--select", "RDS00", "--ignore", "RDS005", "--ignore", "RDS008") == {
        "RDS001", "RDS002", "RDS003", "RDS004", "RDS006", "RDS007",
    }  # fmt: skip


def test_text_output_shows_source_line_caret_and_hint():
    out = run_cli("scan", LEGACY, "--select", "RDS001").stdout
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if "RDS001" in line)
    assert lines[head].endswith(
        "is still declared; the migrated stack keeps its data in the AWS::DSQL::Cluster"
    )
    assert lines[head].split(": RDS001")[0].endswith("ledger.yaml:52:11")
    assert lines[head + 1] == "   52 |     Type: AWS::RDS::DBCluster"
    assert lines[head + 2] == "      |           " + "^" * len("AWS::RDS::DBCluster")
    assert "= resource LedgerCluster" in out and "= fix: Delete the AWS::RDS::DBCluster" in out
    assert "Found 1 finding(s) (1 error)." in out
    assert "\x1b[" not in out


def _run_on_tty(*args, env):
    leader, follower = pty.openpty()
    proc = subprocess.run(
        [dsql_scan_executable(), *args], stdout=follower, stderr=follower, env=env, timeout=60
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.returncode, b"".join(chunks).decode()


def test_colour_only_on_a_tty_and_never_with_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    code, out = _run_on_tty("scan", LEGACY, "--select", "RDS001", env=env)
    assert code == 1 and "\x1b[31merror\x1b[0m" in out
    code, out = _run_on_tty("scan", LEGACY, "--select", "RDS001", env={**env, "NO_COLOR": "1"})
    assert code == 1 and "\x1b[" not in out


def test_output_file_gets_report_and_stderr_gets_summary(tmp_path):
    target = tmp_path / "report.json"
    run = run_cli("scan", LEGACY, "--format", "json", "-o", str(target))
    assert run.code == 1 and run.stdout == ""
    assert "Found 17 finding(s)" in run.stderr
    assert len(__import__("json").loads(target.read_text())["findings"]) == 17


def test_json_is_byte_identical_across_runs_and_hash_seeds():
    outputs = {
        run_cli("scan", str(EXAMPLES), "--format", "json", env={"PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1


def test_json_findings_are_sorted_and_carry_documented_fields():
    document = run_cli("scan", str(EXAMPLES), "--format", "json").json()
    assert document["version"] == 1 and document["tool"]["name"] == "dsql-scan"
    findings = document["findings"]
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in findings]
    assert keys == sorted(keys)
    required = {
        "rule", "severity", "message", "path", "line", "column", "end_line", "end_column",
        "fingerprint", "requirements", "suppressed",
    }  # fmt: skip
    assert all(required <= set(f) for f in findings)
    templates = [f for f in findings if f["path"].endswith((".yaml", ".json"))]
    assert templates and all(f["pointer"].startswith("/") for f in templates)
    assert all("resource" in f for f in templates if f["pointer"].startswith("/Resources/"))
    python = [
        f for f in findings if f["path"].endswith(".py") and f["rule"] in ("RDS001", "RDS009")
    ]
    assert python and all(f.get("qualified_name") for f in python)
    assert document["summary"]["findings"] == len(findings)
