"""Configuration: discovery, strict validation (exit 2 with the key named), and its effects."""

from __future__ import annotations

from tests.conftest import run_cli, write

DB = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties: {Engine: aurora}\n"
SG = (
    "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroupIngress\n"
    "    Properties: {GroupId: sg-1, IpProtocol: tcp, FromPort: 5432, ToPort: 5432}\n"
)


def rules(run):
    return sorted(f["rule"] for f in run.json()["findings"])


def test_pyproject_table_is_found_from_a_subdirectory(tmp_path):
    write(
        tmp_path, {"pyproject.toml": '[tool.dsql-scan]\nselect = ["RDS001"]\n', "infra/db.yaml": DB}
    )
    run = run_cli("scan", ".", "--format", "json", cwd=tmp_path / "infra")
    assert rules(run) == ["RDS001"]
    assert run.json()["findings"][0]["path"] == "infra/db.yaml"


def test_pyproject_without_our_table_is_skipped_for_a_parent_yaml_config(tmp_path):
    write(
        tmp_path,
        {
            ".dsql-scan.yaml": "ignore: [RDS003, DSQL]\n",
            "svc/pyproject.toml": "[project]\nname = 'svc'\n",
            "svc/db.yaml": DB,
        },
    )
    assert rules(run_cli("scan", ".", "--format", "json", cwd=tmp_path / "svc")) == ["RDS001"]


def test_include_exclude_severity_and_fail_on(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": """
            [tool.dsql-scan]
            include = ["infra"]
            exclude = ["infra/legacy/**", "*.generated.yaml"]
            select = ["RDS"]
            severity = { RDS007 = "note" }
            fail-on = "warning"
            """,
            "infra/sg.yaml": SG,
            "infra/legacy/db.yaml": DB,
            "infra/x.generated.yaml": DB,
            "other/db.yaml": DB,
        },
    )
    run = run_cli("scan", "--format", "json", cwd=tmp_path)
    assert [(f["rule"], f["severity"], f["path"]) for f in run.json()["findings"]] == [
        ("RDS007", "note", "infra/sg.yaml")
    ]
    assert run.code == 0  # a note is below fail-on = warning
    assert run_cli("scan", "--fail-on", "note", cwd=tmp_path).code == 1


def test_explicit_config_file(tmp_path):
    write(tmp_path, {"ci.yaml": "select: [RDS003]\n", "db.yaml": DB})
    run = run_cli("scan", "db.yaml", "--config", "ci.yaml", "--format", "json", cwd=tmp_path)
    assert rules(run) == ["RDS003"]
    missing = run_cli("scan", "--config", "nope.toml", cwd=tmp_path)
    assert (missing.code, missing.stderr.strip()) == (
        2,
        "dsql-scan: error: --config: no such file: nope.toml",
    )


def test_invalid_configurations_are_exit_2_with_the_problem_named(tmp_path):
    cases = {
        '[tool.dsql-scan]\nfail_on = "error"\n': "unknown key 'fail_on'",
        '[tool.dsql-scan]\nselect = "RDS001"\nseverity = { RDS001 = "fatal" }\n': "unknown severity 'fatal'",
        "[tool.dsql-scan\n": "invalid TOML",
        '[tool.dsql-scan]\nfail-on = "sometimes"\n': "unknown level 'sometimes'",
        "[tool.dsql-scan.dsql]\nexpected-clusters = 0\n": "'expected-clusters' must be an integer >= 1",
        "[tool.dsql-scan.dsql]\nregion = 'x'\n": "unknown key 'region'",
        '[tool.dsql-scan]\nselect = ["NOPE"]\n': "unknown rule id or prefix: 'NOPE'",
        "[tool.dsql-scan]\nlegacy-env-patterns = ['(']\n": "invalid regular expression",
    }
    write(tmp_path, {"db.yaml": DB})
    for text, expected in cases.items():
        (tmp_path / "pyproject.toml").write_text(text)
        run = run_cli("scan", ".", cwd=tmp_path)
        assert run.code == 2, text
        assert expected in run.stderr, (text, run.stderr)
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_yaml_config_that_is_not_a_mapping(tmp_path):
    write(tmp_path, {".dsql-scan.yaml": "- just\n- a list\n", "db.yaml": DB})
    run = run_cli("scan", ".", cwd=tmp_path)
    assert run.code == 2 and "must be a table/mapping" in run.stderr
