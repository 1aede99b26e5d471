// The CDK app: `npm run build:lambda && npx cdk synth` (offline), `npx cdk deploy`. See docs/deploy-aws.md.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { type Billing, FlashSaleStack, type FlashSaleStackProps } from './flash-sale-stack.ts';
import { multiRegionStacks } from './multi-region.ts';
import { regionPlan } from './region-plan.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const app = new App();
const context = (name: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const integer = (name: string): number | undefined => {
  const raw = context(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`context ${name} must be a whole number >= 0, got ${raw}`);
  return value;
};

const lambdaCodeDir = resolve(context('lambdaCodeDir') ?? join(root, 'dist', 'lambda'));
if (!existsSync(join(lambdaCodeDir, 'api', 'index.mjs'))) {
  throw new Error(`no Lambda bundles in ${lambdaCodeDir}: run npm run build:lambda first`);
}
const capacity = integer('provisionedCapacity');
const billing: Billing =
  capacity === undefined
    ? { mode: 'on-demand' }
    : { mode: 'provisioned', readCapacity: capacity, writeCapacity: capacity };
const reserved = (name: string) => integer(`${name}ReservedConcurrency`);
const api = reserved('api');
const consumer = reserved('consumer');
const sweeper = reserved('sweeper');
const orderWorkflow = context('orderWorkflow') ?? 'queue';
if (orderWorkflow !== 'queue' && orderWorkflow !== 'stepfunctions') {
  throw new Error(`context orderWorkflow must be queue or stepfunctions, got ${orderWorkflow}`);
}

const props: FlashSaleStackProps = {
  lambdaCodeDir,
  billing,
  apiProvisionedConcurrency: integer('apiProvisionedConcurrency') ?? 0,
  reservedConcurrency: {
    ...(api === undefined ? {} : { api }),
    ...(consumer === undefined ? {} : { consumer }),
    ...(sweeper === undefined ? {} : { sweeper }),
  },
  maxReceiveCount: integer('maxReceiveCount') ?? 5,
  stockShards: integer('stockShards') ?? 4,
  vpc: context('vpc') === 'true',
  orderWorkflow,
  ...(context('alarmEmail') === undefined ? {} : { alarmEmail: context('alarmEmail')! }),
  ...(integer('purchaseRateLimit') === undefined
    ? {}
    : {
        purchaseThrottle: {
          rateLimit: integer('purchaseRateLimit')!,
          burstLimit: integer('purchaseBurstLimit') ?? Math.ceil(integer('purchaseRateLimit')! / 2),
        },
      }),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
};

const stackName = context('stackName') ?? 'FlashSale';
const regions = context('regions');
if (regions === undefined) {
  new FlashSaleStack(app, stackName, props);
} else {
  // `-c regions=us-east-1,us-east-2,us-west-2`: global tables (MRSC) and an API per Region (multi-region.ts).
  if (capacity !== undefined)
    throw new Error('the multi-Region tables are on-demand: drop provisionedCapacity');
  const { env, billing: _onDemand, ...regional } = props;
  const plan = regionPlan(regions, context('witnessRegion'));
  multiRegionStacks(app, { ...regional, stackName, plan, account: env?.account });
}
