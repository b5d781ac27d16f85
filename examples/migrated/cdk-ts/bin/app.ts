#!/usr/bin/env node
/**
 * CDK app of the ledger service (migrated: Aurora DSQL), in two stacks: the cluster stack owns
 * the DSQL cluster; the service stack receives it through its props.
 */
import * as cdk from 'aws-cdk-lib';
import { LedgerClusterStack } from '../lib/cluster-stack';
import { LedgerServiceStack } from '../lib/service-stack';

const app = new cdk.App();
const data = new LedgerClusterStack(app, 'LedgerClusterStack');
new LedgerServiceStack(app, 'LedgerServiceStack', { cluster: data.cluster });
app.synth();
