"""Bad input gets one SCAN001 with a reason and a position, in bounded time, and loses nothing:
the other files are still scanned, the exit code is 1, and no traceback reaches the user."""

from __future__ import annotations

import pytest

from tests.conftest import RESIDUE, run_cli, write
from tests.limits import assert_no_traceback, run_limited

GOOD = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n"
BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{n}: &{n} [{','.join(['*' + p] * 9)}]"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "Resources:",
        "  X:",
        "    Type: AWS::RDS::DBCluster",
        "    Properties: {Tags: *i}",
        "",
    ]
)


def _aliased_scalar(copies: int) -> bytes:
    """A 1 MB anchored scalar aliased as ``copies`` environment variables: a few nodes, but
    gigabytes once every copy becomes a value of its own (1,600 copies took 4.8 GB)."""
    head = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
    variables = [f"          V0: &big {'x' * 1_000_000}"]
    variables += [f"          V{n}: *big" for n in range(1, copies)]
    body = "      Environment:\n        Variables:\n" + "\n".join(variables) + "\n"
    return (head + body).encode()


def _alias_list(count: int) -> bytes:
    """``Engine: [*e, *e, ...]``: cfn-lint locates each alias by scanning the list (60 KB of
    it took 191 s)."""
    return (
        "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties:\n"
        f"      Engine: &e aurora-postgresql\n      Tags: [{','.join(['*e'] * count)}]\n"
    ).encode()


BAD_FILES = {
    "broken.yaml": (
        b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [\n",
        "did not find expected node content",
        4,
    ),
    "broken.json": (
        b'{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {"A": }\n}',
        "",
        2,
    ),
    "binary.template": (b"\x00\x01AWS::RDS::DBCluster\x00" * 10, "binary file", 1),
    "latin1.yaml": (
        "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: {DisplayName: café}\n".encode(
            "latin-1"
        ),
        "invalid UTF-8",
        4,
    ),
    "bomb.yaml": (BOMB.encode(), "alias bomb", 6),
    # the 1 MB value and four copies fit the limit; the fifth copy (line 12) does not
    "alias-bytes.yaml": (_aliased_scalar(4000), "expand to more than 4,194,304 bytes", 12),
    "alias-list.yaml": (_alias_list(200_000), "too many YAML aliases to locate", 6),
    "deep.json": (
        (
            '{"AWSTemplateFormatVersion": "x", "Resources": ' + "[" * 50000 + "]" * 50000 + "}"
        ).encode(),
        "nested deeper",
        1,
    ),
    "deep.yaml": (
        ("AWSTemplateFormatVersion: x\nResources:\n  A:\n    - " + "- " * 50000 + "x\n").encode(),
        "nested deeper",
        4,
    ),
    "tabs-deep.json": (
        (
            '{\n\t"AWSTemplateFormatVersion": "x",\n\t"Resources": '
            + "[" * 50000
            + "]" * 50000
            + "}"
        ).encode(),
        "nested deeper",
        3,
    ),
}


@pytest.fixture
def tree(tmp_path):
    write(tmp_path, {"good.yaml": GOOD})
    for name, (data, _, _) in BAD_FILES.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_each_bad_file_is_one_scan001_and_good_files_still_scanned(tree):
    run = run_cli("scan", ".", "--format", "json", cwd=tree)
    assert run.code == 1
    assert "Traceback" not in run.stderr
    findings = run.json()["findings"]
    scan001 = {f["path"]: f for f in findings if f["rule"] == "SCAN001"}
    assert set(scan001) == set(BAD_FILES)
    for name, (_, reason, line) in BAD_FILES.items():
        assert reason in scan001[name]["message"], scan001[name]
        assert scan001[name]["line"] == line, (name, scan001[name])
    assert [(f["rule"], f["path"]) for f in findings if f["rule"] != "SCAN001"] == [
        ("RDS001", "good.yaml")
    ]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_alone_finishes_in_bounded_time_and_memory(tmp_path, name):
    """Each pathological input next to a good template, through the installed command under a
    time and address-space limit: a hang, a MemoryError or a crash fails here."""
    data, reason, line = BAD_FILES[name]
    (tmp_path / name).write_bytes(data)
    write(tmp_path, {"good.yaml": GOOD})
    run = run_limited("scan", ".", "--format", "json", *RESIDUE, cwd=tmp_path, seconds=30)
    assert_no_traceback(run)
    assert run.code == 1, run.stderr
    findings = {f["path"]: f for f in run.json()["findings"]}
    assert sorted((f["rule"], f["path"], f["line"]) for f in findings.values()) == [
        ("RDS001", "good.yaml", 3),
        ("SCAN001", name, line),
    ]
    assert reason in findings[name]["message"]


def test_aliases_within_the_limits_are_resolved(tmp_path):
    """The bounds refuse bombs, not aliases: a template that stays under them is analysed, and
    every alias of the engine is a finding of its own."""
    (tmp_path / "few.yaml").write_bytes(_alias_list(1000))
    (tmp_path / "copies.yaml").write_bytes(_aliased_scalar(4))
    run = run_limited("scan", ".", "--format", "json", *RESIDUE, "--no-cache", cwd=tmp_path)
    assert_no_traceback(run)
    rules = [f["rule"] for f in run.json()["findings"]]
    assert "SCAN001" not in rules
    assert rules.count("RDS001") == 1


def test_file_over_the_size_limit(tmp_path):
    (tmp_path / "big.json").write_text(
        '{"AWSTemplateFormatVersion": "x", "Resources": {}, "Pad": "' + "x" * 11_000_000 + '"}'
    )
    write(tmp_path, {"pyproject.toml": "[tool.dsql-scan]\n"})
    run = run_cli("scan", ".", "--format", "json", cwd=tmp_path)
    (finding,) = run.json()["findings"]
    assert finding["rule"] == "SCAN001" and "over the 10,485,760-byte limit" in finding["message"]
    write(tmp_path, {"pyproject.toml": "[tool.dsql-scan]\nmax-file-size = 20000000\n"})
    assert run_cli("scan", ".", "--format", "json", cwd=tmp_path).json()["findings"] == []


def test_unparseable_non_template_json_is_skipped_and_listed_with_verbose(tmp_path):
    write(tmp_path, {"tsconfig.json": '{ // comments are fine here\n "compilerOptions": {}\n}\n'})
    write(tmp_path, {"package.json": '{"name": "x", "Resources": [1,}'})
    run = run_cli("scan", ".", "-v", cwd=tmp_path)
    assert run.code == 0
    assert "skipped package.json" in run.stdout
    assert "skipped tsconfig.json" in run.stdout


def test_named_unparseable_file_is_a_finding_even_without_template_markers(tmp_path):
    write(tmp_path, {"stack.yaml": "Resources: [\n"})
    run = run_cli("scan", "stack.yaml", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    assert [f["rule"] for f in run.json()["findings"]] == ["SCAN001"]


def test_yaml_that_is_not_a_template_is_ignored(tmp_path):
    write(tmp_path, {"docker-compose.yaml": "services:\n  db:\n    image: postgres\n"})
    run = run_cli("scan", ".", "--format", "json", cwd=tmp_path)
    assert (run.code, run.json()["findings"]) == (0, [])
