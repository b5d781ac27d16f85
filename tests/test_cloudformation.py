"""Template input: positions, pointers, references, CDK construct paths and stacks."""

from __future__ import annotations

import json

from tests.conftest import scan_tree, write

RDS_ONLY = ("RDS", "SCAN")  # these tests are about residue; DSQL rules judge the target state


def rules_at(result):
    return sorted((f.rule, f.location.line, f.location.column) for f in result.findings)


def test_json_template_positions(tmp_path):
    template = {
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-mysql"}}
        }
    }
    (tmp_path / "t.json").write_text(json.dumps(template, indent=2))
    result = scan_tree(tmp_path, select=RDS_ONLY)
    assert rules_at(result) == [("RDS001", 4, 15), ("RDS003", 6, 19)]
    engine = next(f for f in result.findings if f.rule == "RDS003")
    assert engine.location.pointer == "/Resources/Db/Properties/Engine"
    assert engine.location.snippet == "aurora-mysql"


def test_integer_ports_are_located_through_their_key(tmp_path):
    write(
        tmp_path,
        {
            "sg.yaml": """
            Resources:
              Sg:
                Type: AWS::EC2::SecurityGroupIngress
                Properties:
                  GroupId: sg-123
                  IpProtocol: "-1"
            """,
        },
    )
    (finding,) = scan_tree(tmp_path, select=RDS_ONLY).findings
    assert (finding.rule, finding.location.line) == ("RDS007", 5)


def test_ports_that_do_not_include_database_ports_are_clean(tmp_path):
    write(
        tmp_path,
        {
            "sg.yaml": """
            Resources:
              Sg:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  GroupDescription: x
                  SecurityGroupIngress:
                    - {IpProtocol: tcp, FromPort: 5433, ToPort: 6000}
                    - {IpProtocol: udp, FromPort: 5432, ToPort: 5432}
                    - {IpProtocol: tcp, FromPort: 80, ToPort: 3305}
            """,
        },
    )
    assert scan_tree(tmp_path, select=RDS_ONLY).findings == ()


def test_parameter_default_ports_and_engines_are_followed(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": """
            Parameters:
              DbPort: {Type: Number, Default: 3306}
              DbEngine: {Type: String, Default: aurora-mysql}
            Resources:
              Sg:
                Type: AWS::EC2::SecurityGroupIngress
                Properties: {GroupId: sg-1, IpProtocol: tcp, FromPort: !Ref DbPort, ToPort: !Ref DbPort}
              Db:
                Type: AWS::RDS::DBCluster
                Properties:
                  Engine: !Ref DbEngine
            """,
        },
    )
    assert [f.rule for f in scan_tree(tmp_path, select=RDS_ONLY).findings] == [
        "RDS007",
        "RDS001",
        "RDS003",
    ]


def test_references_through_getatt_string_join_and_sub_variables(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": """
            Resources:
              Db:
                Type: AWS::RDS::DBCluster
              Param:
                Type: AWS::SSM::Parameter
                Properties:
                  Name: /ledger/db
                  Type: String
                  Value: !Join [":", [!GetAtt "Db.Endpoint.Address", "5432"]]
              Fn:
                Type: AWS::Lambda::Function
                Properties:
                  Environment:
                    Variables:
                      HOST: !Sub ["${H}", {H: !GetAtt Db.Endpoint.Address}]
                      LITERAL: !Sub "${!Db}"
                      REGION: !Ref AWS::Region
            """,
        },
    )
    found = {(f.rule, f.location.line) for f in scan_tree(tmp_path, select=RDS_ONLY).findings}
    assert found == {("RDS001", 3), ("RDS008", 9), ("RDS008", 15)}


def test_legacy_env_name_wired_to_dsql_is_not_residue(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": """
            Resources:
              VelaAuroraDsqlCluster:
                Type: AWS::DSQL::Cluster
              Fn:
                Type: AWS::Lambda::Function
                Properties:
                  Environment:
                    Variables:
                      AURORA_DB_CLUSTER_ARN: !GetAtt VelaAuroraDsqlCluster.ResourceArn
                      AURORA_HOST: legacy.cluster-abc.us-east-1.rds.amazonaws.com
            """,
        },
    )
    (finding,) = scan_tree(tmp_path, select=RDS_ONLY).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("RDS008", 10, 11)


def test_ecs_container_environment_and_secrets(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": """
            Resources:
              Secret:
                Type: AWS::SecretsManager::Secret
              Db:
                Type: AWS::RDS::DBInstance
                Properties:
                  MasterUserPassword: !Sub "{{resolve:secretsmanager:${Secret}}}"
              Task:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: api
                      Environment:
                        - {Name: PGHOST, Value: !GetAtt Db.Endpoint.Address}
                      Secrets:
                        - {Name: PGPASSWORD, ValueFrom: !Ref Secret}
            """,
        },
    )
    found = sorted((f.rule, f.location.line) for f in scan_tree(tmp_path, select=RDS_ONLY).findings)
    assert found == [("RDS002", 5), ("RDS005", 3), ("RDS008", 14), ("RDS008", 16)]


def test_cdk_output_carries_construct_path_and_stack(tmp_path):
    out = tmp_path / "cdk.out"
    out.mkdir()
    template = {
        "Resources": {
            "OrbitAurora1A2B3C": {
                "Type": "AWS::RDS::DBCluster",
                "Metadata": {"aws:cdk:path": "OrbitStack/OrbitAurora/Resource"},
            }
        }
    }
    (out / "OrbitStack.template.json").write_text(json.dumps(template, indent=1))
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "OrbitStack": {
                "type": "aws:cloudformation:stack",
                "displayName": "OrbitStack",
                "properties": {"templateFile": "OrbitStack.template.json"},
            }
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    asset = out / "asset.0123abcd"
    asset.mkdir()
    (asset / "copy.template.json").write_text(json.dumps(template))
    (finding,) = scan_tree(tmp_path, select=RDS_ONLY).findings
    assert finding.location.path == "cdk.out/OrbitStack.template.json"
    assert finding.location.construct_path == "OrbitStack/OrbitAurora/Resource"
    assert finding.location.stack == "OrbitStack"


def test_not_action_and_wildcard_services_are_not_rds006(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": """
            Resources:
              P:
                Type: AWS::IAM::Policy
                Properties:
                  PolicyName: p
                  Roles: [!Ref R]
                  PolicyDocument:
                    Statement:
                      - {Effect: Allow, NotAction: "rds:*", Resource: "*"}
                      - {Effect: Allow, Action: ["rds*:*", "*", "rdsx:Get"], Resource: "*"}
                      - {Effect: Allow, Action: "RDS-DB:Connect", Resource: "*"}
              R:
                Type: AWS::IAM::Role
            """,
        },
    )
    found = [(f.rule, f.location.line) for f in scan_tree(tmp_path, select=RDS_ONLY).findings]
    assert found == [("RDS006", 11)]


def test_metadata_suppression_hides_and_is_kept_for_show(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": """
            Metadata:
              dsql-scan:
                ignore:
                  - id: RDS003
                    reason: engine removed with the cluster in LEDGER-7
            Resources:
              Db:
                Type: AWS::RDS::DBCluster
                Properties:
                  Engine: aurora
            """,
        },
    )
    result = scan_tree(tmp_path, select=RDS_ONLY)
    assert [(f.rule, f.suppressed) for f in result.findings] == [
        ("RDS001", False),
        ("RDS003", True),
    ]
    assert result.findings[1].suppression_reason == "engine removed with the cluster in LEDGER-7"


def test_fingerprints_ignore_line_numbers(tmp_path):
    body = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n"
    (tmp_path / "t.yaml").write_text(body)
    before = scan_tree(tmp_path, select=RDS_ONLY).findings[0].fingerprint
    (tmp_path / "t.yaml").write_text("# a comment\n\n" + body)
    after = scan_tree(tmp_path, select=RDS_ONLY).findings[0]
    assert after.location.line == 5
    assert after.fingerprint == before


def test_rds_actions_in_every_iam_resource_shape(tmp_path):
    statement = "{Effect: Allow, Action: rds-db:connect, Resource: '*'}"
    doc = f"PolicyDocument: {{Statement: [{statement}]}}"
    write(
        tmp_path,
        {
            "iam.yaml": f"""
            Resources:
              U:
                Type: AWS::IAM::User
                Properties:
                  Policies: [{{PolicyName: u, {doc}}}]
              G:
                Type: AWS::IAM::Group
                Properties:
                  Policies: [{{PolicyName: g, {doc}}}]
              R:
                Type: AWS::IAM::Role
                Properties:
                  AssumeRolePolicyDocument: {{Statement: [{statement}]}}
              RP:
                Type: AWS::IAM::RolePolicy
                Properties:
                  RoleName: !Ref R
                  PolicyName: rp
                  {doc}
              MP:
                Type: AWS::IAM::ManagedPolicy
                Properties:
                  Roles: [!Ref R]
                  {doc}
            """,
        },
    )
    found = [(f.rule, f.location.resource) for f in scan_tree(tmp_path, select=RDS_ONLY).findings]
    # the trust policy (AssumeRolePolicyDocument) grants nothing and is not judged
    assert found == [("RDS006", "U"), ("RDS006", "G"), ("RDS006", "RP"), ("RDS006", "MP")]


FOR_EACH_CLUSTERS = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Clusters:
    - Name
    - [Orders, Ledger]
    - ${Name}Cluster:
        Type: AWS::RDS::DBCluster
        Properties:
          Engine: aurora-postgresql
          DatabaseName: !Sub "${Name}db"
"""


def _by_resource(result, rule):
    return sorted(
        (f.location.resource, f.location.line, f.location.pointer)
        for f in result.findings
        if f.rule == rule
    )


def test_for_each_over_rds_clusters_reports_each_cluster_at_its_source_line(tmp_path):
    write(tmp_path, {"t.yaml": FOR_EACH_CLUSTERS})
    result = scan_tree(tmp_path, select=RDS_ONLY)
    assert _by_resource(result, "RDS001") == [
        ("LedgerCluster", 8, "/Resources/LedgerCluster/Type"),
        ("OrdersCluster", 8, "/Resources/OrdersCluster/Type"),
    ]
    assert [line for _, line, _ in _by_resource(result, "RDS003")] == [10, 10]
    assert "SCAN001" not in {f.rule for f in result.findings}


def test_for_each_over_dynamodb_tables_is_clean_and_nested_loops_expand(tmp_path):
    """Loops that declare no RDS residue are valid templates, not SCAN001; a nested loop's
    identifiers reach the logical ids and the properties of the resources it creates."""
    write(
        tmp_path,
        {
            "tables.yaml": """
            Transform: [AWS::LanguageExtensions]
            Resources:
              Fn::ForEach::Tables:
                - Table
                - [Points, Score]
                - ${Table}:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      TableName: !Sub ${Table}
                      BillingMode: PAY_PER_REQUEST
                      KeySchema: [{AttributeName: id, KeyType: HASH}]
                      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
            """,
            "nested.yaml": """
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Envs:
                - Env
                - [Dev, Prod]
                - Fn::ForEach::Apps:
                    - App
                    - [Api, Jobs]
                    - ${Env}${App}Db:
                        Type: AWS::RDS::DBInstance
                        Properties:
                          Engine: aurora-mysql
                          DBInstanceIdentifier: !Sub ${Env}-${App}
            """,
        },
    )
    result = scan_tree(tmp_path, select=RDS_ONLY)
    assert {f.location.path for f in result.findings} == {"nested.yaml"}
    assert [r for r, _, _ in _by_resource(result, "RDS002")] == [
        "DevApiDb",
        "DevJobsDb",
        "ProdApiDb",
        "ProdJobsDb",
    ]
    assert {line for _, line, _ in _by_resource(result, "RDS002")} == {10}


def test_for_each_that_cannot_be_expanded_is_scan001_with_the_reason(tmp_path):
    write(
        tmp_path,
        {
            "duplicate.yaml": """
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Dbs:
                - Name
                - [A, B]
                - Db:
                    Type: AWS::RDS::DBCluster
            """,
            "malformed.yaml": """
            Transform: AWS::LanguageExtensions
            Resources:
              Fn::ForEach::Dbs:
                - Name
                - Db${Name}: {Type: AWS::RDS::DBCluster}
            """,
            "no-transform.yaml": FOR_EACH_CLUSTERS.replace(
                "Transform: AWS::LanguageExtensions\n", ""
            ),
        },
    )
    found = {f.location.path: f for f in scan_tree(tmp_path, select=RDS_ONLY).findings}
    assert {path: f.rule for path, f in found.items()} == dict.fromkeys(found, "SCAN001")
    assert set(found) == {"duplicate.yaml", "malformed.yaml", "no-transform.yaml"}
    assert "Duplicate Db" in found["duplicate.yaml"].message
    assert "3 elements" in found["malformed.yaml"].message
    assert "needs Transform: AWS::LanguageExtensions" in found["no-transform.yaml"].message
    lines = {path: f.location.line for path, f in found.items()}
    assert lines == {"duplicate.yaml": 6, "malformed.yaml": 3, "no-transform.yaml": 3}


def test_for_each_bomb_is_refused_before_it_is_expanded(tmp_path):
    """Nested loops multiply: four loops over 100 values would be 100 million resources."""
    values = "[" + ",".join(f"V{n}" for n in range(100)) + "]"
    loops = "".join(
        f"{'  ' * (2 * level + 1)}Fn::ForEach::L{level}:\n"
        f"{'  ' * (2 * level + 2)}- I{level}\n"
        f"{'  ' * (2 * level + 2)}- {values}\n"
        f"{'  ' * (2 * level + 2)}-\n"
        for level in range(4)
    )
    body = "  " * 9 + "Db${I0}${I1}${I2}${I3}: {Type: AWS::RDS::DBCluster}\n"
    (tmp_path / "bomb.yaml").write_text(
        "Transform: AWS::LanguageExtensions\nResources:\n" + loops + body
    )
    (finding,) = scan_tree(tmp_path, select=RDS_ONLY).findings
    assert finding.rule == "SCAN001" and finding.location.line == 3
    assert "Fn::ForEach expands to more than 200,000 nodes" in finding.message


def test_for_each_over_an_unresolved_parameter_is_deterministic(tmp_path):
    """cfn-lint makes up the values of a collection it cannot resolve; they are the same in
    every run, so output stays byte for byte reproducible."""
    write(
        tmp_path,
        {
            "t.yaml": """
            Transform: AWS::LanguageExtensions
            Parameters:
              Suffix: {Type: String}
            Resources:
              Fn::ForEach::Dbs:
                - Name
                - [!Ref Suffix, Fixed]
                - Db${Name}:
                    Type: AWS::RDS::DBCluster
            """
        },
    )
    runs = [_by_resource(scan_tree(tmp_path, select=RDS_ONLY), "RDS001") for _ in range(2)]
    assert runs[0] == runs[1]
    ids = [resource for resource, _, _ in runs[0]]
    assert len(ids) == 2 and "DbFixed" in ids
