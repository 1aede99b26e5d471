import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FlashSaleStack,
  type FlashSaleStackProps,
  PURCHASE_ROUTE_KEY,
} from '../../infra/flash-sale-stack.ts';
import { apiRouteTable } from '../../infra/route-table.ts';
import { buildLambdaBundles } from '../../scripts/build-lambda.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('the CDK stack (synthesized CloudFormation template)', () => {
  const codeDir = mkdtempSync(join(tmpdir(), 'flashsale-cdk-'));
  let template: Template;

  beforeAll(async () => {
    await buildLambdaBundles(codeDir);
    template = synth();
  });
  afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

  function synth(props: Partial<FlashSaleStackProps> = {}): Template {
    const app = new App();
    return Template.fromStack(new FlashSaleStack(app, 'Test', { lambdaCodeDir: codeDir, ...props }));
  }

  const resources = (t: Template, type: string): Resource[] =>
    Object.values(t.findResources(type)) as Resource[];

  it('declares every piece of the serverless shape', () => {
    for (const [type, count] of Object.entries({
      'AWS::ApiGatewayV2::Api': 1,
      'AWS::ApiGatewayV2::Authorizer': 1,
      'AWS::Cognito::UserPool': 1,
      'AWS::Cognito::UserPoolGroup': 2,
      'AWS::Lambda::Function': 4,
      'AWS::Lambda::Alias': 4,
      'AWS::AppSync::GraphQLApi': 1,
      'AWS::DynamoDB::Table': 2,
      'AWS::SQS::Queue': 2,
      'AWS::SNS::Topic': 2,
      'AWS::KMS::Key': 1,
      'AWS::Events::Rule': 1,
      'AWS::CloudWatch::Dashboard': 1,
      'AWS::Lambda::EventSourceMapping': 1,
    })) {
      template.resourceCountIs(type, count);
    }
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'shoppers' });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: Match.anyValue(), Audience: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });

  it('throttles the purchase route on its own, under the stage-wide limit, and the route exists', () => {
    expect(apiRouteTable().map((r) => `${r.method} ${r.path}`)).toContain(PURCHASE_ROUTE_KEY);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: PURCHASE_ROUTE_KEY });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 10_000, ThrottlingBurstLimit: 5_000 },
      RouteSettings: {
        [PURCHASE_ROUTE_KEY]: { ThrottlingRateLimit: 5_000, ThrottlingBurstLimit: 2_500 },
      },
    });
    const [stageId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Stage'));
    const stage = template.findResources('AWS::ApiGatewayV2::Stage')[stageId!] as { DependsOn?: string[] };
    const routes = template.findResources('AWS::ApiGatewayV2::Route', {
      Properties: { RouteKey: PURCHASE_ROUTE_KEY },
    });
    expect(stage.DependsOn).toEqual(expect.arrayContaining(Object.keys(routes)));

    const custom = synth({ purchaseThrottle: { rateLimit: 300, burstLimit: 100 } });
    custom.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: { [PURCHASE_ROUTE_KEY]: { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 100 } },
    });
  });

  it('runs every function on nodejs24.x, arm64, with an alias and no provisioned concurrency by default', () => {
    for (const fn of resources(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON' },
      });
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    for (const alias of resources(template, 'AWS::Lambda::Alias')) {
      expect(alias.Properties).toMatchObject({ Name: 'live' });
      expect(alias.Properties.ProvisionedConcurrencyConfig).toBeUndefined();
    }
  });

  it('sets provisioned and reserved concurrency when asked', () => {
    const t = synth({ apiProvisionedConcurrency: 5, reservedConcurrency: { api: 900, consumer: 50 } });
    t.hasResourceProperties('AWS::Lambda::Alias', {
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 5 },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 900 });
    t.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 50 });
  });

  it('routes every route of the app: public ones open, the others behind the Cognito JWT authorizer', () => {
    const routes = resources(template, 'AWS::ApiGatewayV2::Route');
    const byKey = new Map(routes.map((r) => [r.Properties.RouteKey as string, r.Properties]));
    const table = apiRouteTable();
    expect(routes).toHaveLength(table.length + 1);
    expect(byKey.get('$default')?.AuthorizationType).toBe('NONE');
    for (const route of table) {
      const found = byKey.get(`${route.method} ${route.path}`);
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      expect(found!.AuthorizationType).toBe(route.access === 'public' ? 'NONE' : 'JWT');
    }
    expect(byKey.get('POST /v1/sales/{id}/purchase')?.AuthorizationType).toBe('JWT');
    expect(byKey.get('GET /v1/sales/{id}')?.AuthorizationType).toBe('NONE');
  });

  it("keeps the seed's alarm exactly: API 5XX Sum > 50 over 60 s, one period, to the notification topic", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: Match.anyValue() }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 50,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });

  it('alarms on Lambda errors and throttles, DynamoDB throttled requests and a non-empty DLQ', () => {
    const alarms = resources(template, 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
    const named = (metric: string) => alarms.filter((a) => a.MetricName === metric);
    expect(named('Errors')).toHaveLength(4);
    expect(named('Throttles')).toHaveLength(4);
    expect(named('ApproximateNumberOfMessagesVisible')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
    const throttled = alarms.filter((a) => JSON.stringify(a.Metrics ?? []).includes('ThrottledRequests'));
    expect(throttled).toHaveLength(2);
    for (const alarm of alarms)
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
  });

  it('encrypts every table and queue with the customer key; tables have point-in-time recovery', () => {
    const [key] = Object.keys(template.findResources('AWS::KMS::Key'));
    for (const table of resources(template, 'AWS::DynamoDB::Table')) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
    for (const queue of resources(template, 'AWS::SQS::Queue')) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it("offers the seed's provisioned 5000/5000 capacity instead of on-demand", () => {
    const t = synth({ billing: { mode: 'provisioned', readCapacity: 5000, writeCapacity: 5000 } });
    for (const table of resources(t, 'AWS::DynamoDB::Table')) {
      expect(table.Properties.ProvisionedThroughput).toEqual({
        ReadCapacityUnits: 5000,
        WriteCapacityUnits: 5000,
      });
    }
  });

  it('grants no wildcard action, and data actions only on named resources', () => {
    const statements = resources(template, 'AWS::IAM::Policy').flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
    );
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      const actions = [statement.Action].flat() as string[];
      for (const action of actions) expect(action, JSON.stringify(statement)).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|\/\*"/);
    }
  });

  it('can put the functions in a VPC with a DynamoDB gateway endpoint', () => {
    const t = synth({ vpc: true });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.dynamodb'])]) }),
    });
    for (const fn of resources(t, 'AWS::Lambda::Function')) expect(fn.Properties.VpcConfig).toBeDefined();
  });
});
