"""``make demo``: what dsql-scan says about the shipped examples, one line per step.

The legacy example is the Aurora RDS service before the migration, so its scan and its review
must fail (exit 1); the migrated example (CloudFormation, the CDK apps and the Terraform root
module, each with its application code) must pass; every review must verify. Each step's exit
code is checked: an unexpected one prints the command's whole output and fails the demo. The
full reports are in build/.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = Path(sys.executable).parent / "dsql-scan"
# A review speaks for a whole system: each flavour of the migrated service with its application
# code (without it the health check, FR-004, is not evidenced and the verdict is NOT EVIDENCED).
MIGRATED_CFN = ("examples/migrated/cloudformation", "examples/migrated/app")
MIGRATED_CDK = ("examples/migrated/cdk", "examples/migrated/app")
MIGRATED_TS = ("examples/migrated/cdk-ts", "examples/migrated/app-ts")
MIGRATED_TF = ("examples/migrated/terraform", "examples/migrated/app")
# what a step's summary line starts with, in the command's own output
SUMMARY_PREFIXES = ("Found ", "No findings", "wrote ", "build/")


@dataclass(frozen=True)
class Step:
    what: str
    args: tuple[str, ...]
    expected: int


STEPS = (
    Step("legacy: every Aurora RDS leftover", ("scan", "examples/legacy"), 1),
    Step("migrated (CloudFormation)", ("scan", "examples/migrated/cloudformation"), 0),
    Step("migrated (CDK app + application code)", ("scan", *MIGRATED_CDK), 0),
    Step("migrated (TypeScript CDK app + application code)", ("scan", *MIGRATED_TS), 0),
    Step("migrated (Terraform + application code)", ("scan", *MIGRATED_TF), 0),
    Step(
        "review of legacy",
        ("review", "examples/legacy", "-o", "build/review-legacy.md"),
        1,
    ),
    Step(
        "review of migrated (CloudFormation + application code)",
        ("review", *MIGRATED_CFN, "-o", "build/review-migrated.html"),
        0,
    ),
    Step(
        "review of migrated (CDK app + application code)",
        ("review", *MIGRATED_CDK, "-o", "build/review-migrated-cdk.md"),
        0,
    ),
    Step(
        "review of migrated (TypeScript CDK app + application code)",
        ("review", *MIGRATED_TS, "-o", "build/review-migrated-ts.md"),
        0,
    ),
    Step(
        "review of migrated (Terraform + application code)",
        ("review", *MIGRATED_TF, "-o", "build/review-migrated-tf.md"),
        0,
    ),
    Step("verify", ("verify", "build/review-legacy.md"), 0),
    Step("verify", ("verify", "build/review-migrated.html"), 0),
    Step("verify", ("verify", "build/review-migrated-cdk.md"), 0),
    Step("verify", ("verify", "build/review-migrated-ts.md"), 0),
    Step("verify", ("verify", "build/review-migrated-tf.md"), 0),
)


def summary(output: str) -> str:
    """The line of the command's output that says how it went (the last such line: verify
    first says whether the review is signed, then whether it still holds)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    found = [line for line in lines if line.startswith(SUMMARY_PREFIXES)]
    return (found or lines or ["(no output)"])[-1]


def run(step: Step) -> bool:
    done = subprocess.run(
        [str(COMMAND), *step.args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = done.stdout + done.stderr
    ok = done.returncode == step.expected
    mark = "ok " if ok else "UNEXPECTED"
    print(f"{mark} {step.what}: {summary(output)} (exit {done.returncode})")
    if not ok:
        print(f"--- dsql-scan {' '.join(step.args)} (expected exit {step.expected}) ---")
        print(output, end="")
    return ok


def main() -> int:
    print("dsql-scan demo: the legacy Aurora RDS example must fail, the migrated one pass.")
    (ROOT / "build").mkdir(exist_ok=True)
    results = [run(step) for step in STEPS]
    print(
        "Reports: build/review-legacy.md, build/review-migrated.html, "
        "build/review-migrated-cdk.md, build/review-migrated-ts.md, build/review-migrated-tf.md "
        "(full findings: dsql-scan scan examples/legacy)"
    )
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
