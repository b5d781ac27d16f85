"""Bad input gets one SCAN001 with a reason and a position, in bounded time, and loses nothing:
the other files are still scanned, the exit code is 1, and no traceback reaches the user."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli, write

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
def test_each_bad_file_alone_finishes(tmp_path, name):
    """Each pathological input on its own: a hang or a crash fails here (the timeout is only a
    guard against hangs; the measured times are in benchmarks/)."""
    (tmp_path / name).write_bytes(BAD_FILES[name][0])
    run = run_cli("scan", name, "--format", "json", cwd=tmp_path)
    assert run.code == 1, run.stderr
    assert [f["rule"] for f in run.json()["findings"]] == ["SCAN001"]


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
