import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_STATUS_ENV, SALE_GATE_SOURCE } from '../../infra/edge-filter.ts';
import { FlashSaleStack, type FlashSaleStackProps } from '../../infra/flash-sale-stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Behavior = Record<string, unknown> & { PathPattern?: string };

// CloudFront's managed policies, by their fixed ids.
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

describe('the edge in the CDK stack (CloudFront, sale-gate function, KeyValueStore)', () => {
  // The stack only needs each function's directory to exist: no bundling for these assertions.
  const codeDir = mkdtempSync(join(tmpdir(), 'flashsale-edge-cdk-'));
  let template: Template;

  beforeAll(() => {
    for (const name of ['api', 'consumer', 'sweeper', 'graphql']) {
      mkdirSync(join(codeDir, name));
      writeFileSync(join(codeDir, name, 'index.mjs'), 'export const handler = async () => {};\n');
    }
    template = synth();
  });
  afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

  function synth(props: Partial<FlashSaleStackProps> = {}): Template {
    return Template.fromStack(new FlashSaleStack(new App(), 'Test', { lambdaCodeDir: codeDir, ...props }));
  }
  const resources = (t: Template, type: string): Array<[string, Resource]> =>
    Object.entries(t.findResources(type)) as Array<[string, Resource]>;
  const only = (type: string): [string, Resource] => {
    const found = resources(template, type);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('ships the sale-gate file as it is, on cloudfront-js-2.0, with the store associated', () => {
    const [storeId] = only('AWS::CloudFront::KeyValueStore');
    const [, fn] = only('AWS::CloudFront::Function');
    expect(fn.Properties.FunctionCode).toBe(readFileSync(SALE_GATE_SOURCE, 'utf8'));
    expect(fn.Properties.FunctionConfig).toMatchObject({
      Runtime: 'cloudfront-js-2.0',
      KeyValueStoreAssociations: [{ KeyValueStoreARN: { 'Fn::GetAtt': [storeId, 'Arn'] } }],
    });
    expect(fn.Properties.AutoPublish).toBe(true);
    // CloudFront Functions take at most 10 KB of code.
    expect(statSync(SALE_GATE_SOURCE).size).toBeLessThan(10 * 1024);
  });

  it('runs the function on purchases only, ahead of the cached sale reads', () => {
    const [functionId] = only('AWS::CloudFront::Function');
    const [, distribution] = only('AWS::CloudFront::Distribution');
    const config = distribution.Properties.DistributionConfig as {
      DefaultCacheBehavior: Behavior;
      CacheBehaviors: Behavior[];
      Origins: Array<Record<string, unknown>>;
    };
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).toEqual(['/v1/sales/*/purchase', '/v1/sales/*']);
    const [purchase, saleRead] = config.CacheBehaviors as [Behavior, Behavior];
    expect(purchase).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      ViewerProtocolPolicy: 'https-only',
      FunctionAssociations: [
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
      ],
    });
    expect(purchase.AllowedMethods).toContain('POST');
    expect(saleRead.FunctionAssociations).toBeUndefined();
    expect(saleRead.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS']);
    expect(config.DefaultCacheBehavior).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
    });
    expect(config.DefaultCacheBehavior.FunctionAssociations).toBeUndefined();
    // The one origin: the HTTP API's execute-api host, over HTTPS.
    expect(config.Origins).toHaveLength(1);
    expect(JSON.stringify(config.Origins[0]!.DomainName)).toContain('execute-api');
    expect(config.Origins[0]!.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
  });

  it('caches GET /v1/sales/{id} at most a second, keyed on Authorization', () => {
    const [policyId, policy] = only('AWS::CloudFront::CachePolicy');
    expect(policy.Properties.CachePolicyConfig).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 0,
      MaxTTL: 1,
      ParametersInCacheKeyAndForwardedToOrigin: {
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: '/v1/sales/*', CachePolicyId: { Ref: policyId } }),
        ]),
      }),
    });
  });

  it('lets the API, sweeper and GraphQL functions, and only them, write the store they are told of', () => {
    const [storeId] = only('AWS::CloudFront::KeyValueStore');
    const storeArn = { 'Fn::GetAtt': [storeId, 'Arn'] };
    const writers = new Set<string>();
    for (const [, policy] of resources(template, 'AWS::IAM::Policy')) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
        .Statement;
      for (const statement of statements) {
        const actions = [statement.Action].flat() as string[];
        if (!actions.some((a) => a.startsWith('cloudfront-keyvaluestore:'))) continue;
        expect(actions.sort()).toEqual([
          'cloudfront-keyvaluestore:DeleteKey',
          'cloudfront-keyvaluestore:DescribeKeyValueStore',
          'cloudfront-keyvaluestore:GetKey',
          'cloudfront-keyvaluestore:PutKey',
        ]);
        expect(statement.Resource).toEqual(storeArn);
        for (const role of policy.Properties.Roles as Array<{ Ref: string }>) writers.add(role.Ref);
      }
    }
    const functions = resources(template, 'AWS::Lambda::Function');
    const told = functions.filter(
      ([, fn]) =>
        JSON.stringify(
          (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[EDGE_STATUS_ENV],
        ) === JSON.stringify(storeArn),
    );
    const roles = (entries: Array<[string, Resource]>) =>
      entries
        .map(([, fn]) => (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0])
        .sort();
    expect(told).toHaveLength(3);
    expect(roles(told)).toEqual([...writers].sort());
    const serviceOf = (fn: Resource) =>
      (fn.Properties.Environment as { Variables: Record<string, string> }).Variables.SERVICE_NAME;
    // GraphQL purchases sell out too: its function tells the edge as the API function does.
    expect(told.map(([, fn]) => serviceOf(fn)).sort()).toEqual(['api', 'graphql', 'sweeper']);
  });

  it('outputs the edge URL, and leaves the edge out when the functions run in a VPC', () => {
    template.hasOutput('EdgeUrl', Match.anyValue());
    const inVpc = synth({ vpc: true });
    inVpc.resourceCountIs('AWS::CloudFront::Distribution', 0);
    inVpc.resourceCountIs('AWS::CloudFront::KeyValueStore', 0);
  });
});
