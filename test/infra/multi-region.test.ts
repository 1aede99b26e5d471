import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURCHASE_ROUTE_KEY } from '../../infra/flash-sale-stack.ts';
import { type MultiRegionStacks, multiRegionStacks } from '../../infra/multi-region.ts';
import { type RegionPlan, RegionPlanError, regionPlan } from '../../infra/region-plan.ts';
import { buildLambdaBundles } from '../../scripts/build-lambda.ts';
import { LEDGER_INDEX, ORDERS_INDEX } from '../../src/adapters/dynamodb/tables.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Replica = {
  Region: string;
  SSESpecification?: { KMSMasterKeyId: unknown };
  PointInTimeRecoverySpecification?: unknown;
  DeletionProtectionEnabled?: boolean;
};

const US = ['us-east-1', 'us-east-2', 'us-west-2'];

describe('the region plan (-c regions, -c witnessRegion)', () => {
  it('takes three Regions of one MRSC set, or two and a witness, first Region first', () => {
    expect(regionPlan('us-east-1, us-east-2,us-west-2')).toEqual({ regions: US });
    expect(regionPlan('eu-west-1,eu-central-1,eu-west-3').regions).toEqual([
      'eu-west-1',
      'eu-central-1',
      'eu-west-3',
    ]);
    expect(regionPlan('ap-northeast-1,ap-northeast-3', 'ap-northeast-2')).toEqual({
      regions: ['ap-northeast-1', 'ap-northeast-3'],
      witnessRegion: 'ap-northeast-2',
    });
  });

  it.each([
    ['two Regions without a witness', 'us-east-1,us-east-2', undefined, /exactly three/],
    ['four Regions', 'eu-west-1,eu-west-2,eu-west-3,eu-central-1', undefined, /exactly three/],
    ['three Regions and a witness', 'us-east-1,us-east-2,us-west-2', 'us-west-2', /once/],
    ['two sets mixed', 'us-east-1,us-east-2,eu-west-1', undefined, /one set/],
    ['a Region outside every set', 'us-east-1,us-east-2,us-west-1', undefined, /one set/],
    ['a witness from another set', 'us-east-1,us-east-2', 'eu-west-1', /one set/],
    ['a Region twice', 'us-east-1,us-east-1,us-east-2', undefined, /once/],
  ])('refuses %s', (_name, regions, witness, message) => {
    expect(() => regionPlan(regions, witness)).toThrow(RegionPlanError);
    expect(() => regionPlan(regions, witness)).toThrow(message);
  });
});

describe('the multi-Region stacks (global tables with strong consistency, an API per Region)', () => {
  const codeDir = mkdtempSync(join(tmpdir(), 'flashsale-mr-'));
  let three: MultiRegionStacks;

  beforeAll(async () => {
    await buildLambdaBundles(codeDir);
    three = synth(regionPlan(US.join(',')));
  });
  afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

  function synth(plan: RegionPlan): MultiRegionStacks {
    const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
    return multiRegionStacks(app, {
      stackName: 'FS',
      plan,
      lambdaCodeDir: codeDir,
      account: '123456789012',
    });
  }
  const resources = (stack: Stack, type: string): Resource[] =>
    Object.values(Template.fromStack(stack).findResources(type)) as Resource[];
  const only = (stack: Stack, type: string): Resource => {
    const found = resources(stack, type);
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const globalTable = (stacks: MultiRegionStacks, partitionKey: string): Resource => {
    const found = resources(stacks.data, 'AWS::DynamoDB::GlobalTable').filter(
      (t) =>
        JSON.stringify(t.Properties.KeySchema) ===
        JSON.stringify([{ AttributeName: partitionKey, KeyType: 'HASH' }]),
    );
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  // The first Region's key is an export of its key stack (same Region); the others' come through
  // CDK's cross-Region references, named after the producing stack.
  const keyReference = (region: string) =>
    region === 'us-east-1' ? 'FS-Key-us-east-1:' : `FSKey${region.replaceAll('-', '')}`;
  const ourFunctions = (stack: Stack) =>
    resources(stack, 'AWS::Lambda::Function').filter(
      (fn) => (fn.Properties.Handler as string | undefined) === 'index.handler',
    );

  it('puts each stack in its Region: a key and an app stack per Region, the global data in the first', () => {
    expect(Object.keys(three.keys)).toEqual(US);
    expect(Object.keys(three.regions)).toEqual(US);
    for (const region of US) {
      expect(three.keys[region]!.region).toBe(region);
      expect(three.regions[region]!.region).toBe(region);
      expect(three.regions[region]!.account).toBe('123456789012');
    }
    expect(three.data.region).toBe('us-east-1');
    expect(three.data.stackName).toBe('FS-Global');
  });

  it('declares both tables as global tables with multi-Region strong consistency, a replica per Region', () => {
    for (const partitionKey of ['pk', 'orderId']) {
      const table = globalTable(three, partitionKey);
      expect(table.Properties.MultiRegionConsistency).toBe('STRONG');
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      const replicas = table.Properties.Replicas as Replica[];
      expect(replicas.map((r) => r.Region).sort()).toEqual([...US].sort());
      for (const replica of replicas) {
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(replica.DeletionProtectionEnabled).toBe(true);
      }
      // What MRSC does not support is absent.
      expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
      expect(table.Properties.LocalSecondaryIndexes).toBeUndefined();
      expect(table.Properties.GlobalTableWitnesses).toBeUndefined();
    }
    const names = (t: Resource) =>
      (t.Properties.GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((i) => i.IndexName);
    expect(names(globalTable(three, 'pk'))).toEqual(Object.values(LEDGER_INDEX).map((i) => i.name));
    expect(names(globalTable(three, 'orderId'))).toEqual([ORDERS_INDEX.bySale.name]);
    // No single-Region table anywhere.
    for (const stack of [three.data, ...Object.values(three.regions)])
      expect(resources(stack, 'AWS::DynamoDB::Table')).toHaveLength(0);
  });

  it("encrypts each replica with its own Region's customer-managed key", () => {
    for (const partitionKey of ['pk', 'orderId']) {
      const table = globalTable(three, partitionKey);
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      for (const replica of table.Properties.Replicas as Replica[]) {
        const key = JSON.stringify(replica.SSESpecification?.KMSMasterKeyId);
        expect(key).toContain(keyReference(replica.Region));
        for (const other of US.filter((r) => r !== replica.Region))
          expect(key).not.toContain(keyReference(other));
      }
    }
    for (const region of US) only(three.keys[region]!, 'AWS::KMS::Key');
  });

  it('gives every Region the same API, functions, queues and alarms, on its own table replicas', () => {
    for (const region of US) {
      const stack = three.regions[region]!;
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: PURCHASE_ROUTE_KEY });
      template.resourceCountIs('AWS::SQS::Queue', 2);
      template.resourceCountIs('AWS::Events::Rule', 1);
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      // The key and the user pool are not made here: they are shared.
      template.resourceCountIs('AWS::KMS::Key', 0);
      template.resourceCountIs('AWS::Cognito::UserPool', 0);
      const functions = ourFunctions(stack);
      expect(
        functions
          .map(
            (fn) =>
              (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.SERVICE_NAME,
          )
          .sort(),
      ).toEqual(['api', 'consumer', 'graphql', 'sweeper']);
      for (const fn of functions) {
        const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        // The global table's name (the same in every Region), from the data stack.
        expect(JSON.stringify(env.LEDGER_TABLE)).toMatch(/FS-?Global.*RefLedger/);
        expect(JSON.stringify(env.ORDERS_TABLE)).toMatch(/FS-?Global.*RefOrders/);
      }
      // Table permissions name this Region's replica, never another Region's.
      const tableArns = resources(stack, 'AWS::IAM::Policy')
        .flatMap(
          (p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
        )
        .filter((s) => [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')))
        .flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)));
      expect(tableArns.length).toBeGreaterThan(0);
      for (const arn of tableArns) {
        if (region === 'us-east-1') expect(arn).toMatch(/FS-Global:ExportsOutputFnGetAtt(Ledger|Orders)/);
        else {
          expect(arn).toContain(`:dynamodb:${region}:`);
          for (const other of US.filter((r) => r !== region))
            expect(arn).not.toContain(`:dynamodb:${other}:`);
        }
      }
    }
  });

  it("accepts the one user pool's tokens in every Region (issuer in the pool's Region)", () => {
    only(three.data, 'AWS::Cognito::UserPool');
    for (const region of US) {
      const authorizer = only(three.regions[region]!, 'AWS::ApiGatewayV2::Authorizer');
      const issuer = JSON.stringify((authorizer.Properties.JwtConfiguration as { Issuer: unknown }).Issuer);
      expect(issuer).toContain('https://cognito-idp.us-east-1.amazonaws.com/');
    }
  });

  it('orders the deployment: keys, then the global tables, then each Region', () => {
    const names = (stack: Stack) => stack.dependencies.map((d) => d.stackName).sort();
    for (const region of US) expect(names(three.keys[region]!)).toEqual([]);
    expect(names(three.data)).toEqual(US.map((r) => `FS-Key-${r}`).sort());
    for (const region of US) {
      expect(names(three.regions[region]!)).toEqual([`FS-Global`, `FS-Key-${region}`].sort());
    }
  });

  it('with a witness: two replicas, a witness Region, and an API only where a replica is', () => {
    const two = synth(regionPlan('us-east-1,us-east-2', 'us-west-2'));
    expect(Object.keys(two.regions)).toEqual(['us-east-1', 'us-east-2']);
    expect(Object.keys(two.keys)).toEqual(['us-east-1', 'us-east-2']);
    for (const partitionKey of ['pk', 'orderId']) {
      const table = globalTable(two, partitionKey);
      expect(table.Properties.MultiRegionConsistency).toBe('STRONG');
      expect((table.Properties.Replicas as Replica[]).map((r) => r.Region).sort()).toEqual([
        'us-east-1',
        'us-east-2',
      ]);
      expect(table.Properties.GlobalTableWitnesses).toEqual([{ Region: 'us-west-2' }]);
    }
  });
});
