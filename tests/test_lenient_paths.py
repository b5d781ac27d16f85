"""``--lenient-paths``: named files judged like found ones, as the pre-commit hook needs."""

from __future__ import annotations

from tests.conftest import run_cli, write

FILES = {
    "chart/svc.yaml": 'metadata:\n  labels:\n    {{- include "labels" . | nindent 4 }}\n',
    "tsconfig.json": '{\n  // comment\n  "compilerOptions": {}\n}\n',
    "infra/broken.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n",
}


def test_named_non_templates_are_errors_by_default(tmp_path):
    write(tmp_path, FILES)
    run = run_cli("scan", *FILES, "--format", "json", cwd=tmp_path)
    assert run.code == 1
    assert sorted(f["path"] for f in run.json()["findings"]) == sorted(FILES)


def test_lenient_paths_skip_them_but_not_broken_templates(tmp_path):
    write(tmp_path, FILES)
    run = run_cli("scan", *FILES, "--lenient-paths", "--format", "json", cwd=tmp_path)
    assert run.code == 1
    assert [(f["rule"], f["path"]) for f in run.json()["findings"]] == [
        ("SCAN001", "infra/broken.yaml")
    ]
    assert run.json()["summary"]["files_skipped"] == 2
