"""The Python input on focused sources: import styles, value tracking, CDK idioms, bad input."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli, scan_tree, write


def findings(tmp_path, source: str, name: str = "app.py", rule: str = "") -> list:
    """Findings of the file rules on one source (project rules judge whole projects)."""
    write(tmp_path, {name: source})
    result = scan_tree(tmp_path, select=("RDS", "SCAN"))
    return [f for f in result.findings if not rule or f.rule == rule]


CDK_HEAD = "from aws_cdk import Stack\n"


@pytest.mark.parametrize(
    ("source", "rule", "qualified"),
    [
        (
            'from aws_cdk import aws_rds as rds\nrds.DatabaseCluster(scope, "C")\n',
            "RDS001",
            "aws_cdk.aws_rds.DatabaseCluster",
        ),
        (
            'import aws_cdk.aws_rds as relational\nrelational.ServerlessCluster(scope, "C")\n',
            "RDS001",
            "aws_cdk.aws_rds.ServerlessCluster",
        ),
        (
            'from aws_cdk.aws_rds import DatabaseProxy as Proxy\nProxy(scope, "P")\n',
            "RDS004",
            "aws_cdk.aws_rds.DatabaseProxy",
        ),
        (
            'import aws_cdk as cdk\ncdk.aws_rds.DatabaseInstance(scope, "I")\n',
            "RDS002",
            "aws_cdk.aws_rds.DatabaseInstance",
        ),
        (  # CDK v1: aws_cdk.core and per-service modules
            "from aws_cdk import core, aws_rds\n"
            'core.CfnResource(scope, "R", type="AWS::RDS::DBCluster")\n',
            "RDS001",
            "aws_cdk.CfnResource",
        ),
        (
            'import aws_cdk.aws_rds\naws_cdk.aws_rds.CfnDBSubnetGroup(scope, "S")\n',
            "RDS004",
            "aws_cdk.aws_rds.CfnDBSubnetGroup",
        ),
        (
            'from aws_cdk.aws_rds import *\nDatabaseCluster(scope, "C")\n',
            "RDS001",
            "aws_cdk.aws_rds.DatabaseCluster",
        ),
    ],
)
def test_qualified_names_through_any_import_style(tmp_path, source, rule, qualified):
    hits = findings(tmp_path, source, rule=rule)
    assert [(f.location.line, f.location.qualified_name) for f in hits] == [(2, qualified)]


@pytest.mark.parametrize(
    "source",
    [
        # a local class sharing the name, in a CDK file
        CDK_HEAD + 'class DatabaseCluster:\n    pass\n\nDatabaseCluster(None, "C")\n',
        # a local variable shadowing the module alias
        CDK_HEAD + 'rds = object()\nrds.DatabaseCluster(None, "C")\n',
        # another library's class of the same name, in application code
        'from mylib import rds\nrds.DatabaseCluster(None, "C")\n',
        # words in comments, docstrings and unrelated strings
        '"""rds.DatabaseCluster(self, "C")"""\n# rds.DatabaseCluster(self, "C")\n'
        'HELP = "rds.DatabaseCluster(self, \\"C\\")"\n',
    ],
)
def test_names_that_only_look_like_cdk_never_fire(tmp_path, source):
    assert findings(tmp_path, source) == []


DATA_API_CASES = [
    (  # a module global used by a function defined above its assignment
        "import boto3\n\ndef run():\n    return client.execute_statement(sql='x')\n\n"
        "client = boto3.client('rds-data')\n",
        [4, 6],
    ),
    (  # an attribute set in __init__ and used in another method
        "import boto3\n\nclass Repo:\n    def __init__(self):\n"
        "        self.api = boto3.Session().client(service_name='rds-data')\n\n"
        "    def rows(self):\n        return self.api.batch_execute_statement(sql='x')\n",
        [5, 8],
    ),
    (  # a client opened as a context manager
        "import aioboto3\n\nasync def run(session: aioboto3.Session):\n"
        "    async with aioboto3.Session().client('rds-data') as api:\n"
        "        await api.begin_transaction(resourceArn='a')\n",
        [4, 5],
    ),
    (  # a parameter typed with the mypy-boto3 stub
        "from mypy_boto3_rds_data import RDSDataServiceClient\n\n"
        "def run(api: RDSDataServiceClient):\n    api.commit_transaction(transactionId='t')\n",
        [4],
    ),
    (  # botocore directly
        "from botocore.session import get_session\n\n"
        "api = get_session().create_client('rds-data')\n"
        "api.rollback_transaction(transactionId='t')\n",
        [3, 4],
    ),
]


@pytest.mark.parametrize(("source", "lines"), DATA_API_CASES)
def test_data_api_clients_are_followed_through_variables(tmp_path, source, lines):
    hits = findings(tmp_path, source, name="service.py", rule="RDS009")
    assert [f.location.line for f in hits] == lines


@pytest.mark.parametrize(
    "source",
    [
        "import boto3\n\nclient = boto3.client('s3')\nclient.execute_statement(sql='x')\n",
        "def run(client):\n    return client.execute_statement(sql='x')\n",  # unknown receiver
        "import boto3\n\nclient = boto3.client('rds-data')\nclient = boto3.client('dsql')\n"
        "client.execute_statement(sql='x')\n",  # rebound before use: only the creation fires
    ],
)
def test_other_clients_and_unknown_receivers_are_not_the_data_api(tmp_path, source):
    hits = findings(tmp_path, source, name="service.py", rule="RDS009")
    assert all(f.location.line == 3 for f in hits)
    assert len(hits) == (1 if "'rds-data'" in source else 0)


def test_cdk_rules_do_not_run_on_application_code_and_vice_versa(tmp_path):
    write(
        tmp_path,
        {
            "infra.py": "from aws_cdk import aws_rds as rds\nimport boto3\n"
            "rds.DatabaseCluster(None, 'C')\nboto3.client('rds-data')\n",
            "service.py": "import boto3\nboto3.client('rds-data')\n",
        },
    )
    result = scan_tree(tmp_path, select=("RDS",))
    assert sorted((f.location.path, f.rule) for f in result.findings) == [
        ("infra.py", "RDS001"),
        ("service.py", "RDS009"),
    ]


def test_ingress_variants(tmp_path):
    source = """
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_rds as rds

    DB_PORT = 5432


    def wire(scope, vpc, api, peer):
        mysql = rds.DatabaseInstance(scope, "Db", engine=rds.DatabaseInstanceEngine.MYSQL, vpc=vpc)
        mysql.connections.allow_default_port_from_any_ipv4()
        api.connections.allow_to_default_port(mysql)
        group = ec2.SecurityGroup(scope, "Sg", vpc=vpc)
        group.connections.allow_from(peer, ec2.Port.tcp_range(5400, 5500))
        group.add_ingress_rule(peer, ec2.Port.tcp(DB_PORT))
        group.add_ingress_rule(peer, ec2.Port(protocol=ec2.Protocol.TCP, from_port=3306))
        group.add_ingress_rule(peer, ec2.Port.all_traffic())
        group.add_ingress_rule(peer, ec2.Port.udp(5432))
        group.add_ingress_rule(peer, ec2.Port.tcp(22))
    """
    hits = findings(tmp_path, source, rule="RDS007")
    assert [(f.location.line, f.message.split(" for ")[0][-4:]) for f in hits] == [
        (9, "3306"),
        (10, "3306"),
        (12, "5432"),
        (13, "5432"),
        (14, "3306"),
        (15, "3306"),  # all traffic admits both ports
    ]


def test_environment_variants(tmp_path):
    source = """
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_rds as rds
    from aws_cdk import aws_ssm as ssm


    def wire(scope, cluster: rds.IDatabaseCluster, fn: lambda_.Function, code):
        common = {"DB_NAME": "ledger", "DB_ENDPOINT": cluster.cluster_endpoint.socket_address}
        lambda_.Function(scope, "Api", code=code, environment={**common, "STAGE": "prod"})
        fn.add_environment("AURORA_HOST", "legacy.example.com")
        fn.add_environment("READER", f"{cluster.cluster_read_endpoint.hostname}:5432")
        ssm.StringParameter(scope, "P", string_value=cluster.cluster_arn, parameter_name="/db")
    """
    hits = findings(tmp_path, source, rule="RDS008")
    assert [(f.location.line, f.message.split("'")[1]) for f in hits] == [
        (7, "DB_ENDPOINT"),
        (9, "AURORA_HOST"),
        (10, "READER"),
        (11, "/db"),
    ]


def test_app_engine_settings_and_host_literals(tmp_path):
    source = '''
    """Connects to prod.cluster-abc.eu-west-1.rds.amazonaws.com (docstring: silent)."""
    import sqlalchemy

    url = f"postgresql://app@prod.cluster-abc.eu-west-1.rds.amazonaws.com:5432/{name}"
    SETTINGS = dict(engine="aurora-mysql", host="db.internal")
    TEXT = "we left aurora-postgresql"
    '''
    hits = findings(tmp_path, source, name="settings.py")
    assert sorted((f.rule, f.location.line) for f in hits) == [("RDS003", 5), ("RDS010", 4)]


def test_syntax_error_is_scan001_with_position_and_other_files_are_scanned(tmp_path):
    write(
        tmp_path,
        {
            "broken.py": "import boto3\n\nclient = boto3.client('rds-data'\nx = 1\n",
            "good.py": "import boto3\nboto3.client('rds-data')\n",
        },
    )
    run = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert run.code == 1
    found = {(f["path"], f["rule"], f["line"], f["column"]) for f in run.json()["findings"]}
    assert ("broken.py", "SCAN001", 3, 22) in found
    assert ("good.py", "RDS009", 2, 1) in found
    broken = next(f for f in run.json()["findings"] if f["path"] == "broken.py")
    assert "never closed" in broken["message"]


@pytest.mark.parametrize(
    ("name", "source", "reason"),
    [
        ("parens.py", "x = " + "(" * 300 + "1" + ")" * 300 + "\n", "nested too deeply"),
        ("not.py", "x = " + "not " * 20000 + "y\n", "nested too deeply"),
        ("plus.py", "x = " + "+".join(["1"] * 50000) + "\n", "nested too deeply"),
        ("strings.py", "x = (" + " ".join(['"a"'] * 20000) + ")\n", "nested too deeply"),
        ("fstring.py", 'x = f"{' + "(" * 3000 + "1" + ")" * 3000 + '}"\n', "nested too deeply"),
        ("huge.py", "x = 1\n" * 200_000, "over the 1,048,576-byte limit"),
    ],
)
def test_pathological_python_is_refused_without_crashing(tmp_path, name, source, reason):
    source = "import psycopg\npsycopg.connect()\n" + source  # it matters: libcst analyses it
    write(tmp_path, {name: source, "good.py": "import boto3\nboto3.client('rds-data')\n"})
    run = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.stderr  # a crash would be a negative return code
    by_path = {f["path"]: f for f in run.json()["findings"]}
    assert by_path[name]["rule"] == "SCAN001"
    assert reason in by_path[name]["message"]
    assert by_path["good.py"]["rule"] == "RDS009"


def test_a_deep_module_without_evidence_is_judged_by_cpython_alone(tmp_path):
    """Nothing in it can matter (scanner.inputs.python.gate) and CPython's parser read it whole:
    there is nothing to refuse."""
    source = "x = (" + " ".join(['"a"'] * 20000) + ")\n"
    write(tmp_path, {"strings.py": source, "good.py": "import boto3\nboto3.client('rds-data')\n"})
    run = run_cli("scan", str(tmp_path), "--format", "json", cwd=tmp_path)
    assert {f["path"] for f in run.json()["findings"]} == {"good.py"}
    assert run.json()["summary"]["files_scanned"] == 2


def test_braces_in_a_docstring_are_text_not_nesting(tmp_path):
    """Only an f-string's replacement fields nest: a docstring with code examples full of braces
    and operators (SQLAlchemy's engine/interfaces.py) is analysed, not refused as too deep."""
    example = "{" + " + ".join(f"a.b[{i}] * c" for i in range(60)) + "}"
    source = f'import boto3\n\ndef f():\n    """{example}"""\n\nboto3.client("rds-data")\n'
    assert [f.rule for f in findings(tmp_path, source, name="doc.py")] == ["RDS009"]


def test_deep_but_reasonable_code_is_analysed(tmp_path):
    chain = "+".join(["len(a.b.c)"] * 20)
    source = f"import boto3\nx = [[[{chain}]]]\nboto3.client('rds-data')\n"
    assert [f.rule for f in findings(tmp_path, source, name="ok.py")] == ["RDS009"]


def test_python_output_is_deterministic(tmp_path):
    from tests.conftest import EXAMPLES

    first = run_cli("scan", str(EXAMPLES / "legacy"), "--format", "json", cwd=EXAMPLES)
    second = run_cli("scan", str(EXAMPLES / "legacy"), "--format", "json", cwd=EXAMPLES)
    assert first.stdout == second.stdout and first.json()["findings"]
