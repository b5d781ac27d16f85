"""A deterministic synthetic corpus: CDK-synth-like JSON templates, hand-written YAML templates,
CDK and application Python modules, with a known number of planted findings per rule.

Same seed, same bytes: the benchmark compares runs, and its planted-findings check makes sure a
fast but wrong scanner cannot pass. Sizes follow what real projects look like: synthesized
stacks of 20-150 resources (tens to hundreds of KB), hand-written templates of 5-40 resources.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

FILLER_TYPES = (
    ("AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"}}),
    ("AWS::SQS::Queue", {"VisibilityTimeout": 60}),
    ("AWS::SNS::Topic", {"DisplayName": "events"}),
    ("AWS::DynamoDB::Table", {"BillingMode": "PAY_PER_REQUEST"}),
    ("AWS::Logs::LogGroup", {"RetentionInDays": 30}),
)


def _lambda(name: str, role: str, env: dict) -> dict:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Role": {"Fn::GetAtt": [role, "Arn"]},
            "Code": {"S3Bucket": "artifacts", "S3Key": f"{name}.zip"},
            "Environment": {"Variables": env},
        },
    }


def _role(statements: list[dict]) -> dict:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ]
            },
            "Policies": [{"PolicyName": "app", "PolicyDocument": {"Statement": statements}}],
        },
    }


def _plant_rds(resources: dict, prefix: str, planted: Counter) -> None:
    """An Aurora cluster wired into a function: RDS001, RDS003, RDS006, RDS008."""
    resources[f"{prefix}Cluster"] = {
        "Type": "AWS::RDS::DBCluster",
        "Properties": {"Engine": "aurora-postgresql", "DatabaseName": "app"},
    }
    resources[f"{prefix}DataRole"] = _role(
        [{"Effect": "Allow", "Action": ["rds-data:ExecuteStatement"], "Resource": "*"}]
    )
    resources[f"{prefix}DataFn"] = _lambda(
        f"{prefix}data",
        f"{prefix}DataRole",
        {"DB_ENDPOINT": {"Fn::GetAtt": [f"{prefix}Cluster", "Endpoint.Address"]}},
    )
    planted.update({"RDS001": 1, "RDS003": 1, "RDS006": 1, "RDS008": 1})


def synth_template(rng: random.Random, index: int, planted: Counter) -> dict:
    stack = f"Service{index:04}Stack"
    resources: dict = {}
    for n in range(rng.randint(20, 150)):
        type_name, props = FILLER_TYPES[n % len(FILLER_TYPES)]
        logical = f"Thing{n:03}{rng.randrange(16**8):08X}"
        resources[logical] = {
            "Type": type_name,
            "Properties": {**props, "Tags": [{"Key": "n", "Value": str(n)}]},
            "Metadata": {"aws:cdk:path": f"{stack}/Thing{n}/Resource"},
        }
        if n % 10 == 0:
            resources[f"Fn{n:03}"] = _lambda(
                f"fn{n}", f"Role{n:03}", {"TABLE": {"Ref": logical}, "STAGE": "prod"}
            )
            resources[f"Role{n:03}"] = _role(
                [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]
            )
    if index % 5 == 0:
        _plant_rds(resources, f"Legacy{index}", planted)
    return {"Resources": resources, "Outputs": {"Name": {"Value": stack}}}


def yaml_template(rng: random.Random, index: int, planted: Counter) -> str:
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Resources:"]
    for n in range(rng.randint(5, 40)):
        lines += [
            f"  Queue{n}:",
            "    Type: AWS::SQS::Queue",
            "    Properties:",
            f"      QueueName: !Sub '${{AWS::StackName}}-q{n}'",
            f"      VisibilityTimeout: {rng.choice([30, 60, 120])}",
        ]
    if index % 4 == 0:
        lines += [
            "  DbSg:",
            "    Type: AWS::EC2::SecurityGroup",
            "    Properties:",
            "      GroupDescription: db",
            "      SecurityGroupIngress:",
            "        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.0.0/8}",
        ]
        planted.update({"RDS007": 1})
    return "\n".join(lines) + "\n"


def python_module(rng: random.Random, index: int, planted: Counter) -> str:
    """Application code of realistic shape; every seventh module still calls the Data API."""
    body = [
        f'"""Order handling for service {index}."""',
        "import json",
        "import logging",
        "import os",
        "",
        "import boto3",
        "",
        "LOG = logging.getLogger(__name__)",
        "",
    ]
    for n in range(rng.randint(5, 30)):
        body += [
            f"def handle_{n}(event, context):",
            f'    """Handle event kind {n}."""',
            "    payload = json.loads(event.get('body') or '{}')",
            f"    LOG.info('kind {n}: %s', payload.get('id'))",
            f"    return {{'statusCode': 200, 'body': json.dumps({{'n': {n}}})}}",
            "",
        ]
    if index % 7 == 0:
        body += [
            "DATA = boto3.client('rds-data')",
            "",
            "def legacy_query(sql):",
            "    return DATA.execute_statement(resourceArn=os.environ['ARN'], sql=sql)",
            "",
        ]
        planted.update({"RDS009": 2})
    return "\n".join(body)


def build(root: Path, templates: int, python: int, seed: int = 7) -> Counter:
    """Write the corpus under root; return the planted findings per rule."""
    rng = random.Random(seed)
    planted: Counter = Counter()
    for index in range(templates):
        if index % 3 == 2:
            path = root / "infra" / f"stack{index:04}.yaml"
            text = yaml_template(rng, index, planted)
        else:
            path = root / "cdk.out" / f"Service{index:04}Stack.template.json"
            text = json.dumps(synth_template(rng, index, planted), indent=1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for index in range(python):
        path = root / "app" / f"module{index:04}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(python_module(rng, index, planted), encoding="utf-8")
    (root / "planted.json").write_text(json.dumps(dict(sorted(planted.items())), indent=1))
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--templates", type=int, default=300)
    parser.add_argument("--python", type=int, default=300)
    args = parser.parse_args()
    print(dict(build(args.root, args.templates, args.python)))


if __name__ == "__main__":
    main()
