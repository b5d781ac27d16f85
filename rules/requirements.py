"""The Aurora DSQL migration spec's requirements: the review's default requirement catalogue.

Rules name the requirements they evidence (``Rule.requirements``); this module says what each
requirement *is*, and what a static scan needs in scope to say anything about it. Which rules
evidence a requirement is never written here: ``scanner.review.catalogue`` derives it from the rule
catalogue, so a new rule family shows up in the matrix without editing this file. A project can
replace the whole catalogue with its own file (``requirements`` in the configuration).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import Kind

INFRA = (Kind.CFN, Kind.CDK)
APP = (Kind.APP,)


@dataclass(frozen=True)
class Requirement:
    """One spec requirement.

    ``needs`` lists input kinds of which at least one must be scanned before a clean result
    means anything (no template and no CDK source: nothing proves "one DSQL cluster").
    ``runtime`` explains why static analysis can at best refute the requirement, never prove it.
    ``rules`` are the ids of the rules whose findings contradict it (filled in by the catalogue).
    ``missing`` says how to bring the needed input into scope, when that is not obvious.
    ``by_base`` names what its rules compare with a git base: with one (``review --base REF``)
    the requirement is judged statically like any other, without one it stays a runtime one.
    ``evidence`` says how test results given with ``review --evidence`` judge it (see
    ``scanner.review.evidence``): ``no-regression`` (before and after the migration: every test
    that passed before passes after) or ``success-rate N/M`` (at least N of the last M cases).
    """

    id: str
    text: str
    needs: tuple[str, ...] = ()
    runtime: str = ""
    rules: tuple[str, ...] = ()
    missing: str = ""
    # judged statically when the review compares the tree with a git base (``review --base``):
    # what its rules compare (the DynamoDB layer), "" when a base changes nothing for it
    by_base: str = ""
    evidence: str = ""


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("FR-001", "One Aurora DSQL cluster; no Aurora RDS cluster.", INFRA),
    Requirement("FR-002", "The backend receives every DSQL setting via environment.", INFRA),
    Requirement("FR-003", "Minimal DSQL permissions; no obsolete RDS permissions.", INFRA),
    Requirement("FR-004", "A health check runs a trivial query and logs success or failure.", APP),
    # Whether a stack deploys is judged on templates (cfn-lint, DEPLOY001): CDK source alone
    # says nothing until it is synthesized.
    Requirement(
        "FR-005",
        "The IaC still synthesizes, deploys and destroys without manual steps.",
        (Kind.CFN,),
        missing="synthesize the CDK app: cdk synth",
    ),
    Requirement(
        "FR-006",
        "DynamoDB-backed behaviour is unchanged.",
        runtime="behaviour is a runtime property: confirm it with the DynamoDB-backed tests",
        by_base="DynamoDB table(s), their access and wiring",
        evidence="no-regression",
    ),
    Requirement(
        "FR-007", "Legacy RDS secrets, security groups and instances can be deleted safely.", INFRA
    ),
    Requirement(
        "SC-001", "Provision and tear down with DSQL as the only relational cluster.", INFRA
    ),
    Requirement(
        "SC-002",
        "The health check succeeds in at least 99% of 100 calls.",
        runtime="a success rate is measured at run time: call the deployed health check 100 times",
        evidence="success-rate 99/100",
    ),
    Requirement(
        "SC-003",
        "Existing tests still pass.",
        runtime="test results come from running the test suite, not from reading the code",
        evidence="no-regression",
    ),
    # SQL alone says nothing about RDS references: the RDS rules read templates, CDK and code
    Requirement(
        "SC-004", "A documented code review confirms no Aurora RDS reference remains.", INFRA + APP
    ),
)

BY_REQUIREMENT: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}
