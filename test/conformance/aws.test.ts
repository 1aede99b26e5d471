import { afterAll, beforeAll } from 'vitest';
import { openAwsBackend } from '../../src/shapes/aws.ts';
import { type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { describeBackendConformance } from './backend-suite.ts';

// DynamoDB (dynalite, no transactions) + SQS (fauxqs), fresh tables and queues for every test.
let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(() => aws.stop());

describeBackendConformance('AWS (DynamoDB via dynalite, SQS via fauxqs, 1 stock shard)', async () =>
  openAwsBackend(aws.backendOptions(await aws.createResources(), { stockShards: 1 })),
);

describeBackendConformance('AWS (DynamoDB via dynalite, SQS via fauxqs, 4 stock shards)', async () =>
  openAwsBackend(aws.backendOptions(await aws.createResources(), { stockShards: 4 })),
);
