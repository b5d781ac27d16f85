"""Discovery: which files a scan reads, under which reporting path, in which order."""

from __future__ import annotations

import os

import pytest

from scanner.config import Config
from scanner.pipeline.discover import CACHEDIR_SIGNATURE, OUTSIDE_ROOT, discover, explore
from tests.conftest import write

DB = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties: {Engine: aurora}\n"


def rels(root, *paths):
    return [c.rel for c in discover(tuple(str(p) for p in paths), Config(root=root))]


def test_sorted_reporting_paths_and_kinds(tmp_path):
    write(tmp_path, {"b/t.yaml": DB, "a/m.py": "x = 1\n", "a/z.sql": "SELECT 1;\n", "README": ""})
    found = discover((str(tmp_path),), Config(root=tmp_path))
    assert [(c.rel, c.input) for c in found] == [
        ("a/m.py", "python"),
        ("a/z.sql", "sql"),
        ("b/t.yaml", "cloudformation"),
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


def explored(root, *paths, **settings):
    return explore(tuple(str(p) for p in paths or (root,)), Config(root=root, **settings))


def skipped(root, *paths, **settings):
    return dict(explored(root, *paths, **settings).skipped)


VENV_CFG = {  # what each tool writes (trimmed): all have the `home` key CPython's site reads
    "venv": "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n",
    "virtualenv": "home = /usr/bin\nimplementation = CPython\nvirtualenv = 20.25.0\n",
    "uv": "home = /usr/bin\nimplementation = CPython\nuv = 0.4.0\nversion_info = 3.12.1\n",
}


@pytest.mark.parametrize("tool", sorted(VENV_CFG))
def test_a_virtualenv_is_skipped_and_reported(tmp_path, tool):
    write(tmp_path, {"t.yaml": DB, "env/pyvenv.cfg": VENV_CFG[tool], "env/lib/t.yaml": DB})
    assert rels(tmp_path, tmp_path) == ["t.yaml"]
    assert skipped(tmp_path) == {"env/": "virtual environment (pyvenv.cfg)"}


@pytest.mark.parametrize(
    ("marker", "text"),
    [
        ("pyvenv.cfg", ""),
        ("pyvenv.cfg", "version = 3.11\n"),
        ("pyvenv.cfg", "# home = /usr/bin\n"),
        ("CACHEDIR.TAG", ""),
        ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc5\n"),
        ("CACHEDIR.TAG", "signature: 8a477f597d28d172789f06886806bc55\n"),
    ],
)
def test_a_marker_that_is_not_the_real_thing_hides_nothing(tmp_path, marker, text):
    write(tmp_path, {f"d/{marker}": text, "d/t.yaml": DB})
    assert rels(tmp_path, tmp_path) == ["d/t.yaml"]
    assert skipped(tmp_path) == {}


def test_a_marker_that_is_a_fifo_or_a_link_is_no_marker_and_no_hang(tmp_path):
    write(tmp_path, {"fifo/t.yaml": DB, "linked/t.yaml": DB, "tag": CACHEDIR_SIGNATURE.decode()})
    os.mkfifo(tmp_path / "fifo" / "CACHEDIR.TAG")
    (tmp_path / "linked" / "CACHEDIR.TAG").symlink_to(tmp_path / "tag")
    assert rels(tmp_path, tmp_path) == ["fifo/t.yaml", "linked/t.yaml"]


def test_every_directory_left_out_is_reported_with_its_reason(tmp_path, monkeypatch):
    write(
        tmp_path,
        {
            "t.yaml": DB,
            "node_modules/t.yaml": DB,
            "cache/CACHEDIR.TAG": CACHEDIR_SIGNATURE.decode() + "\n",
            "cache/t.yaml": DB,
            "fixtures/t.yaml": DB,
            "cdk.out/asset.1/t.json": "{}",
            "locked/t.yaml": DB,
        },
    )
    (tmp_path / "up").symlink_to(tmp_path, target_is_directory=True)
    scandir = os.scandir

    def unreadable(path):  # tests run as root, who may read anything
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(os, "scandir", unreadable)
    found = explored(tmp_path, exclude=("fixtures/**",))
    assert [c.rel for c in found.candidates] == ["t.yaml"]
    assert dict(found.skipped) == {
        "cache/": "cache directory (CACHEDIR.TAG)",
        "cdk.out/asset.1/": "cdk.out asset (a bundled copy of source code)",
        "fixtures/": "excluded by the configuration (exclude)",
        "locked/": "cannot read directory: Permission denied",
        "node_modules/": "excluded by default",
        "up/": "symbolic link to a directory (not followed)",
    }


def test_links_that_leave_the_root_are_not_followed(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(outside, {"t.yaml": DB, "dir/t.yaml": DB})
    write(root, {"in.yaml": DB})
    (root / "stack.yaml").symlink_to(outside / "t.yaml")
    (root / "dir").symlink_to(outside / "dir", target_is_directory=True)
    (root / "inner.yaml").symlink_to(root / "in.yaml")
    assert rels(root, root) == ["in.yaml"]
    assert skipped(root) == {"dir/": OUTSIDE_ROOT, "stack.yaml": OUTSIDE_ROOT}


def test_special_files_loops_and_broken_links_are_reported_not_read(tmp_path):
    write(tmp_path, {"t.yaml": DB})
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    (tmp_path / "gone.sql").symlink_to(tmp_path / "missing.sql")
    assert rels(tmp_path, tmp_path) == ["t.yaml"]
    assert skipped(tmp_path) == {
        "a.yaml": "symbolic link loop",
        "b.yaml": "symbolic link loop",
        "fifo.yaml": "not a regular file (FIFO)",
        "gone.sql": "broken symbolic link",
    }


def test_a_named_link_is_followed_unless_paths_are_lenient(tmp_path):
    """Named files are the user's choice (as in ruff); pre-commit's --lenient-paths names the
    files a pull request committed, so those get the walk's rules."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    write(outside, {"t.yaml": DB})
    root.mkdir()
    (root / "stack.yaml").symlink_to(outside / "t.yaml")
    named = root / "stack.yaml"
    assert [c.path for c in explored(root, named).candidates] == [named]
    lenient = explored(root, named, lenient_paths=True)
    assert (lenient.candidates, dict(lenient.skipped)) == ([], {"stack.yaml": OUTSIDE_ROOT})


def test_a_named_fifo_is_reported_not_read(tmp_path):
    os.mkfifo(tmp_path / "fifo.yaml")
    found = explored(tmp_path, tmp_path / "fifo.yaml")
    assert (found.candidates, dict(found.skipped)) == (
        [],
        {"fifo.yaml": "not a regular file (FIFO)"},
    )


def test_file_names_that_are_not_utf8_get_an_escaped_path_no_two_alike(tmp_path):
    body = DB.encode()
    (tmp_path / os.fsdecode(b"bad\xff.yaml")).write_bytes(body)
    (tmp_path / "bad\\xff.yaml").write_bytes(body)  # the escaped form, literally
    found = rels(tmp_path, tmp_path)
    assert sorted(found) == ["bad\\\\xff.yaml", "bad\\xff.yaml"]
    for rel in found:
        rel.encode("utf-8")  # printable by every reporter


MANIFEST = (
    '{"artifacts": {"DbStack": {"type": "aws:cloudformation:stack",'
    ' "displayName": "Db", "properties": {"templateFile": "DbStack.template.json"}}}}'
)


def _stacks(root) -> dict[str, str]:
    found = discover((str(root),), Config(root=root))
    return {c.rel: c.stack for c in found if c.rel.endswith(".template.json")}


def test_a_manifest_names_the_stacks_of_its_templates(tmp_path):
    write(tmp_path, {"cdk.out/manifest.json": MANIFEST, "cdk.out/DbStack.template.json": "{}"})
    assert _stacks(tmp_path) == {"cdk.out/DbStack.template.json": "Db"}


@pytest.mark.parametrize("shape", ["link outside", "fifo", "oversized"])
def test_a_manifest_that_is_no_regular_file_in_the_tree_names_nothing(tmp_path, shape):
    """Stack names come only from a regular manifest.json of a bounded size inside the tree;
    the templates are scanned either way."""
    tree, outside = tmp_path / "tree", tmp_path / "outside.json"
    write(tree, {"cdk.out/DbStack.template.json": "{}"})
    manifest = tree / "cdk.out" / "manifest.json"
    if shape == "link outside":
        outside.write_text(MANIFEST)
        manifest.symlink_to(outside)
    elif shape == "fifo":
        os.mkfifo(manifest)
    else:
        padding = " " * (16 * 1024 * 1024)
        manifest.write_text(MANIFEST[:-1] + padding + "}")
    assert _stacks(tree) == {"cdk.out/DbStack.template.json": ""}
