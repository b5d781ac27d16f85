"""Cross-stack values: every file rule judges an ``Fn::ImportValue`` as the value it imports.

The database stack exports its cluster's endpoint and ARN; the API stack imports them into
environment variables and policies. Names are literal (what CDK writes), ``Fn::Sub`` /
``Fn::Join`` built (hand-written stacks, parameters naming the other stack), and re-exported
through a third stack. Each case runs the installed ``dsql-scan`` on real files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.facts import IMPORT, FileFacts, Sink, Target
from scanner.model import Location
from scanner.project.resolve import imports
from tests import gitrepo
from tests.conftest import run_cli, write
from tests.limits import assert_no_traceback, run_limited

DATABASE = """\
Parameters:
  Env:
    Type: String
    Default: prod
Resources:
  Ledger:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
  Legacy:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
Outputs:
  LedgerEndpoint:
    Value: !GetAtt Ledger.Endpoint
    Export:
      Name: !Sub "${AWS::StackName}-ledger-endpoint"
  LedgerArn:
    Value: !GetAtt Ledger.ResourceArn
    Export:
      Name: !Join [":", [!Ref Env, ledger-arn]]
  LegacyHost:
    Value: !GetAtt Legacy.Endpoint.Address
    Export:
      Name: legacy-host
"""

API = """\
Parameters:
  DatabaseStack:
    Type: String
    Default: ledger-db
Resources:
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt ApiRole.Arn
      Environment:
        Variables:
          AURORA_DB_ENDPOINT: !ImportValue
            Fn::Sub: "${DatabaseStack}-ledger-endpoint"
          AURORA_DB_CLUSTER_ARN: !ImportValue prod:ledger-arn
          DB_HOST: !ImportValue legacy-host
          RELAYED_HOST: !ImportValue relayed-host
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: db
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: dsql:DbConnect
                Resource: !ImportValue prod:ledger-arn
"""

# A third stack re-exports the legacy host under another name: two hops.
RELAY = """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Relayed:
    Value: !ImportValue legacy-host
    Export:
      Name: relayed-host
"""


def findings(root: Path, *args: str) -> list[tuple[str, str, int, str]]:
    run = run_cli("scan", *args, "--format", "json", cwd=root)
    assert run.code in (0, 1), run.stderr
    return [(f["rule"], f["path"], f["line"], f["message"]) for f in run.json()["findings"]]


@pytest.fixture()
def stacks(tmp_path: Path) -> Path:
    return write(tmp_path, {"database.yaml": DATABASE, "api.yaml": API, "relay.yaml": RELAY})


def test_imported_dsql_values_under_aurora_names_are_not_residue(stacks):
    found = findings(stacks, ".")
    api = [(rule, line) for rule, path, line, _ in found if path == "api.yaml"]
    # AURORA_DB_ENDPOINT (line 12) and AURORA_DB_CLUSTER_ARN (14) carry the DSQL cluster's
    # endpoint and ARN through Sub- and Join-named exports: no RDS008 there.
    assert ("RDS008", 12) not in api and ("RDS008", 14) not in api
    # the role holds dsql:DbConnect on the imported cluster ARN: the workload links to it
    assert not [rule for rule, _ in api if rule.startswith("DSQL")], found


def test_imported_rds_values_are_residue_and_say_where_they_come_from(stacks):
    found = findings(stacks, ".")
    by_line = {line: message for rule, path, line, message in found if path == "api.yaml"}
    assert "Legacy.Endpoint.Address of an Aurora RDS resource" in by_line[15]
    assert "via database.yaml's export 'legacy-host'" in by_line[15]
    # two hops: relay.yaml re-exports what database.yaml exported
    assert "Legacy.Endpoint.Address" in by_line[16]
    assert "relay.yaml's export 'relayed-host' via database.yaml's export" in by_line[16]
    rules = sorted((rule, line) for rule, path, line, _ in found if path == "api.yaml")
    assert rules == [("RDS008", 15), ("RDS008", 16)]


def test_unresolvable_import_under_a_legacy_name_is_still_reported(tmp_path):
    write(tmp_path, {"api.yaml": API})  # no exporting stack in scope
    lines = [line for rule, _, line, _ in findings(tmp_path, ".") if rule == "RDS008"]
    assert lines == [12, 14]  # the AURORA_ names; DB_HOST's value is unknown, its name generic


def test_a_one_file_run_resolves_imports_from_the_rest_of_the_repository(stacks):
    gitrepo.init(stacks)
    gitrepo.commit_all(stacks)
    whole = [f for f in findings(stacks, ".") if f[1] == "api.yaml"]
    assert findings(stacks, "api.yaml") == whole  # cold cache for api.yaml's context
    assert findings(stacks, "api.yaml") == whole  # warm
    assert findings(stacks, "api.yaml", "--no-cache") == whole


def test_an_ambiguous_name_stays_unresolved(tmp_path):
    twin = DATABASE.replace("legacy-host", "other").replace("Legacy.Endpoint", "Ledger.Endpoint")
    write(tmp_path, {"a.yaml": DATABASE, "b.yaml": twin, "api.yaml": API})
    found = findings(tmp_path, ".")
    # both a.yaml and b.yaml export "${AWS::StackName}-ledger-endpoint": which one the Sub
    # names is unknown, so AURORA_DB_ENDPOINT is judged by its name alone
    assert ("RDS008", 12) in [(rule, line) for rule, path, line, _ in found if path == "api.yaml"]


def _export(path: str, name: str, *targets: Target) -> FileFacts:
    here = Location(path)
    sink = Sink("export", name, here, here, targets=targets, export_name=name)
    return FileFacts(kind="cfn", path=path, sinks=(sink,))


def test_cycles_of_re_exports_end():
    first = _export("a.yaml", "a", Target("b", IMPORT))
    second = _export("b.yaml", "b", Target("a", IMPORT))
    resolved = imports.resolve([first, second])
    assert [f.sinks[0].targets for f in resolved] == [
        (Target("b", IMPORT),),
        (Target("a", IMPORT),),
    ]


def test_files_without_imports_are_returned_as_they_are():
    cluster = Target("Ledger", "AWS::DSQL::Cluster", "Endpoint")
    files = [_export("a.yaml", "a", cluster), FileFacts(kind="cfn", path="b.yaml")]
    assert all(x is y for x, y in zip(imports.resolve(files), files, strict=True))


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("${AWS::StackName}-arn", "db-arn", True),
        ("${AWS::StackName}-arn", "db-arn-2", False),
        ("${A}:${B}:arn", "x:y:arn", True),
        ("${A}:${B}:arn", "x:arn", False),
        ("pre-${A}", "pre-", True),
        ("exact", "exact", True),
        ("exact", "other", False),
    ],
)
def test_placeholder_names_match_like_globs(pattern, text, expected):
    assert imports.fits(imports.pieces(pattern), text) is expected


def test_hostile_import_names_neither_hang_nor_crash(tmp_path):
    hostile = "${" * 20000 + "x" * 1000
    template = API.replace("prod:ledger-arn", f'"{hostile}"')
    export = DATABASE.replace("legacy-host", "${A}" * 300 + "-host")
    write(tmp_path, {"api.yaml": template, "database.yaml": export})
    run = run_limited("scan", ".", "--no-cache", "--format", "json", cwd=tmp_path, seconds=60)
    assert_no_traceback(run)
    assert run.code in (0, 1), run.stderr
