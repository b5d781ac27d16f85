"""Discovery: which files a scan reads, under which reporting path, in which order."""

from __future__ import annotations

import os

from scanner.config import Config
from scanner.discover import discover
from tests.conftest import write

DB = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties: {Engine: aurora}\n"


def rels(root, *paths):
    return [c.rel for c in discover(tuple(str(p) for p in paths), Config(root=root))]


def test_sorted_reporting_paths_and_kinds(tmp_path):
    write(tmp_path, {"b/t.yaml": DB, "a/m.py": "x = 1\n", "a/z.sql": "SELECT 1;\n", "README": ""})
    found = discover((str(tmp_path),), Config(root=tmp_path))
    assert [(c.rel, c.kind) for c in found] == [
        ("a/m.py", "python"),
        ("a/z.sql", "sql"),
        ("b/t.yaml", "template"),
    ]


def test_vendored_virtualenv_and_cache_directories_are_skipped(tmp_path):
    write(
        tmp_path,
        {
            "t.yaml": DB,
            "node_modules/pkg/t.yaml": DB,
            "env/pyvenv.cfg": "home = /usr\n",
            "env/lib/m.py": "x = 1\n",
            "my-cache/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n",
            "my-cache/v1/entry.json": "{}",
            "cdk.out/asset.1234/t.json": "{}",
            "cdk.out/Stack.template.json": "{}",
        },
    )
    assert rels(tmp_path, tmp_path) == ["cdk.out/Stack.template.json", "t.yaml"]


def test_a_symlinked_file_is_reported_once_under_its_target(tmp_path):
    write(tmp_path, {"real/t.yaml": DB})
    (tmp_path / "alias.yaml").symlink_to(tmp_path / "real" / "t.yaml")
    assert rels(tmp_path, tmp_path) == ["real/t.yaml"]


def test_a_symlinked_directory_is_not_entered(tmp_path):
    write(tmp_path, {"real/t.yaml": DB})
    os.symlink(tmp_path / "real", tmp_path / "linked", target_is_directory=True)
    assert rels(tmp_path, tmp_path) == ["real/t.yaml"]


def test_a_named_directory_below_a_symlinked_root_reports_relative_paths(tmp_path):
    write(tmp_path, {"project/infra/t.yaml": DB})
    os.symlink(tmp_path / "project", tmp_path / "checkout", target_is_directory=True)
    root = tmp_path / "checkout"
    assert rels(root, root / "infra") == ["infra/t.yaml"]
