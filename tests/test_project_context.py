"""Context files (the rest of the project when files are named) are loaded as their context view.

``kept_in_context()`` (the project model's fields and the project rules' ``reads``) claims to
list exactly the facts the project model, the project rules and the source links read; in a run
that compares with a git base, also those of the rules that judge only against one. The project is built from full facts and from context views, for
every documented project-rule example, every bundled example project and a few application and
CDK cases the examples do not cover: the project findings, the linked workloads and clusters,
and the source links must be the same (the list is enough). And dropping any one field from the
view must change one of those outcomes (the list holds nothing unused, and these cases are
strong enough to notice a missing field).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from scanner.config import Config, load
from scanner.facts import Compute, FileFacts, IamRole, IamStatement, Value
from scanner.model import Location
from scanner.pipeline.discover import Candidate, discover
from scanner.pipeline.engine import facts_in_app, root_location, run_project_rules
from scanner.project import link
from scanner.project.context import (
    IDENTITY_FIELDS,
    Base,
    _exports,
    _reusable,
    build,
    context_view,
    prepare,
)
from scanner.project.resolve import resolve
from scanner.results import FileAnalysis
from scanner.rules import ALL_RULES
from scanner.run.runner import analyze_all, kept_in_context
from tests.conftest import EXAMPLES, ROOT, write
from tests.test_project_scope import API, DATA
from tests.test_python_dsql import APP_CASES

CDK_MODULES = {
    "cdk.json": "{}",
    "app.py": """
import aws_cdk as cdk
from stacks.api import ApiStack
from stacks.data import DataStack

app = cdk.App()
ApiStack(app, "Api", data=DataStack(app, "Data"))
""",
    "stacks/data.py": """
from aws_cdk import Stack
from aws_cdk import aws_dsql as dsql


class DataStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        self.cluster = dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
""",
    "stacks/api.py": """
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_


class ApiStack(Stack):
    def __init__(self, scope, construct_id, data):
        super().__init__(scope, construct_id)
        api = lambda_.Function(self, "Api", environment={"DSQL_ENDPOINT": data.cluster.attr_endpoint})
        data.cluster.grant_connect(api)
""",
}

CDK_GRANT = """
from aws_cdk import aws_dsql_alpha as dsql
from aws_cdk import aws_lambda as lambda_


def build(scope, code):
    cluster = dsql.Cluster(scope, "Ledger")
    api = lambda_.Function(scope, "Api", code=code, environment={"DSQL_ENDPOINT": cluster.cluster_endpoint})
    cluster.grant_connect(api)
"""
CONTEXT_FIELDS = kept_in_context()
BASE_FIELDS = kept_in_context(comparing=True)  # with a git base to compare with
TERRAFORM = ROOT / "tests" / "fixtures" / "terraform"


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str] | None = None  # written to a temporary directory
    root: Path | None = None  # or an existing project
    base: dict[str, str] | None = None  # the files at the git base it is compared with


def cases() -> list[Case]:
    found = [
        Case(
            f"{rule.id}-{index}",
            {example.file_name: example.source, **dict(example.extra_files)},
            base=dict(example.base) or None,
        )
        for rule in ALL_RULES
        if rule.project_check is not None
        for index, example in enumerate(rule.examples)
    ]
    found += [
        Case(f"app-{index}", {"db.py": source}) for index, (source, _) in enumerate(APP_CASES)
    ]
    found.append(Case("cdk-grant", {"stack.py": CDK_GRANT}))
    # the cluster one module of a CDK app creates is granted and wired in another
    found.append(Case("cdk-modules", CDK_MODULES))
    # a function in one stack finds the cluster through the other stack's exports
    api = API.replace("{action}", "dsql:DbConnect")
    found.append(Case("cross-stack", {"data.yaml": DATA, "api.yaml": api}))
    # each flavour on its own, and each state whole (CDK source, its synthesized templates, the
    # hand-written template and the application code together)
    roots = [EXAMPLES / "legacy" / kind for kind in ("app", "cdk", "cloudformation", "terraform")]
    roots += [EXAMPLES / "migrated" / kind for kind in ("cdk", "cloudformation", "terraform")]
    roots += [EXAMPLES / "legacy", EXAMPLES / "migrated"]
    found += [Case(root.relative_to(EXAMPLES).as_posix(), root=root) for root in roots]
    # Terraform root modules per environment, sharing a local module: one deployment each
    found.append(Case("terraform-environments", root=TERRAFORM / "requirements" / "environments"))
    return found


CASES = cases()


@dataclass(frozen=True)
class Analysed:
    config: Config
    candidates: list[Candidate]
    analyses: tuple[FileAnalysis, ...]
    base: Analysed | None = None  # the same project at its git base

    def facts(self) -> list:
        return facts_in_app(self.analyses, self.candidates, self.config)

    @property
    def kept(self) -> frozenset[str]:
        """What its context views keep: more when it is compared with a base."""
        return BASE_FIELDS if self.base is not None else CONTEXT_FIELDS

    def viewed(self, keep: frozenset[str] | None = None) -> tuple[FileAnalysis, ...]:
        if keep is None:
            return self.analyses
        return tuple(context_view(a, keep) for a in self.analyses)

    def linked(self, keep: frozenset[str] | None = None) -> list[FileFacts]:
        return resolve(facts_in_app(self.viewed(keep), self.candidates, self.config))

    def outcome(self, keep: frozenset[str] | None = None) -> tuple:
        project = build(self.linked(keep), root_location(self.config), ())
        if self.base is not None:
            project = replace(project, base=Base("base", "0" * 40, tuple(self.base.linked(keep))))
        return (
            run_project_rules(project, self.config),
            (project.workloads, project.clusters, project.cluster_sets, project.units),
            link.construct_index(self.viewed(keep)),
        )


def analysed_tree(root: Path) -> Analysed:
    config_file = root / "pyproject.toml"
    config = load(str(config_file)) if config_file.is_file() else Config(root=root)
    candidates = discover((str(root),), config)
    return Analysed(config, candidates, analyze_all(candidates, config, jobs=1))


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> dict[str, Analysed]:
    out = {}
    for case in CASES:
        root = case.root
        if root is None:
            root = tmp_path_factory.mktemp("case")
            write(root, case.files or {})
        found = analysed_tree(root)
        if case.base is not None:  # the base's files, analysed alike, compared with
            base = write(tmp_path_factory.mktemp("base"), case.base)
            found = replace(found, base=analysed_tree(base))
        out[case.name] = found
    return out


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_the_context_view_is_enough(analysed, name):
    case = analysed[name]
    assert case.outcome(case.kept) == case.outcome()


@pytest.mark.parametrize("field", sorted(BASE_FIELDS - IDENTITY_FIELDS))
def test_every_context_field_is_read(analysed, field):
    changed = [
        name
        for name, case in analysed.items()
        if field in case.kept and case.outcome(case.kept - {field}) != case.outcome()
    ]
    assert changed, f"nothing reads {field}: drop it from the reads (or add a case)"


def test_without_a_base_the_view_leaves_out_what_only_a_comparison_reads():
    """A one-file run without a base does not load the DynamoDB tables of every template."""
    only_compared = BASE_FIELDS - CONTEXT_FIELDS
    assert "tables" in only_compared
    for field in only_compared:
        readers = [r for r in ALL_RULES if r.is_project_rule and field in r.reads]
        assert readers and all(r.needs_base for r in readers), field
    assert CONTEXT_FIELDS < BASE_FIELDS


def test_the_rules_that_need_a_base_judge_nothing_without_one(analysed):
    needing = {r.id for r in ALL_RULES if r.needs_base}
    assert needing
    compared = [case for case in analysed.values() if case.base is not None]
    fired = {raw.rule for case in compared for raw in case.outcome()[0]}
    assert needing <= fired  # their examples fire against the base
    for case in compared:
        alone = replace(case, base=None)
        assert not [raw for raw in alone.outcome()[0] if raw.rule in needing]
        assert alone.outcome(CONTEXT_FIELDS) == alone.outcome()


def test_the_view_drops_the_rest(analysed):
    legacy = analysed["legacy/cloudformation"]
    (analysis,) = legacy.analyses
    view = context_view(analysis, CONTEXT_FIELDS)
    assert analysis.facts.resources and not view.facts.resources
    assert analysis.raw and not view.raw
    assert view.facts.sinks == analysis.facts.sinks


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_a_prepared_context_links_like_the_whole_project(analysed, name):
    """Each file in turn is the named one: linking the others first (while it is analysed)
    and then everything must give the project that linking everything at once gives."""
    facts = analysed[name].facts()
    root = root_location(analysed[name].config)
    whole = build(facts, root)
    for index in range(len(facts)):
        prepared = prepare(facts[:index] + facts[index + 1 :])
        assert build(facts, root, (), prepared) == whole


def test_the_prepared_links_are_reused_where_nothing_joins_their_namespace(analysed):
    facts = analysed["legacy"].facts()
    (app,) = [f for f in facts if f.path == "app/repository.py"]
    (template,) = [f for f in facts if f.path == "cloudformation/ledger.yaml"]
    prepared = prepare([f for f in facts if f is not app])
    ordered = tuple(sorted(facts, key=lambda f: f.path))
    reused = _reusable(ordered, _exports(ordered), prepared)
    assert template.compute and template.path in reused
    assert app.path not in reused  # the named file's own namespace is linked again


def test_a_named_file_that_joins_a_namespace_relinks_it():
    """CDK names are shared by every module of an app: a policy statement in the named module
    reaches a role whose function another module creates."""
    stack = FileFacts(
        kind="cdk",
        path="infra/stack.py",
        compute=(Compute("Api", "lambda", Location("infra/stack.py", 9), role="ApiRole"),),
        roles=(IamRole("ApiRole", Location("infra/stack.py", 7)),),
    )
    statement = IamStatement(
        effect="Allow",
        actions=(Value("dsql:DbConnect", Location("infra/access.py", 5)),),
        resources=(Value("*", Location("infra/access.py", 6)),),
        location=Location("infra/access.py", 4),
        principals=("ApiRole",),
    )
    access = FileFacts(kind="cdk", path="infra/access.py", statements=(statement,))
    root = Location(".")
    whole = build((stack, access), root)
    assert whole.workloads[0].connect_grants  # the statement reaches the role
    assert build((stack, access), root, (), prepare([stack])) == whole
