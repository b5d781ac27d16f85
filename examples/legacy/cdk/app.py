#!/usr/bin/env python3
"""CDK app of the ledger service (legacy: Aurora PostgreSQL)."""

import aws_cdk as cdk
from ledger_stack import LedgerStack

app = cdk.App()
LedgerStack(app, "LedgerStack")
app.synth()
