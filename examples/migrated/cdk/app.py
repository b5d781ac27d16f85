#!/usr/bin/env python3
"""CDK app of the ledger service (migrated: Aurora DSQL)."""

import aws_cdk as cdk
from ledger_stack import LedgerStack

app = cdk.App()
LedgerStack(app, "LedgerStack")
app.synth()
