#!/usr/bin/env node
/**
 * CDK app of the ledger service (legacy: Aurora PostgreSQL), in two stacks: the data stack owns
 * the cluster, its secret and its proxy; the service stack receives them through its props.
 */
import { App } from 'aws-cdk-lib';
import { LedgerDataStack } from '../lib/data-stack';
import { LedgerServiceStack } from '../lib/service-stack';

const app = new App();
const data = new LedgerDataStack(app, 'LedgerDataStack');
new LedgerServiceStack(app, 'LedgerServiceStack', {
  vpc: data.vpc,
  cluster: data.cluster,
  dbSecret: data.dbSecret,
  proxy: data.proxy,
});
app.synth();
