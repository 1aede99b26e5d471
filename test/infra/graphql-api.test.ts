import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlashSaleStack } from '../../infra/flash-sale-stack.ts';
import {
  GRAPHQL_SCHEMA_FILE,
  INVOKE_RESOLVER_CODE,
  PUBLISH_CODE,
  PUBLISH_MUTATIONS,
  RESOLVED_FIELDS,
} from '../../infra/graphql-api.ts';
import { buildLambdaBundles } from '../../scripts/build-lambda.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('the AppSync GraphQL API in the CDK stack', () => {
  const codeDir = mkdtempSync(join(tmpdir(), 'flashsale-cdk-graphql-'));
  let template: Template;
  const resources = (type: string): Array<[string, Resource]> =>
    Object.entries(template.findResources(type)) as Array<[string, Resource]>;
  const logicalId = (type: string, match: (r: Resource) => boolean): string => {
    const found = resources(type).find(([, r]) => match(r));
    if (found === undefined) throw new Error(`no ${type} found`);
    return found[0];
  };

  beforeAll(async () => {
    await buildLambdaBundles(codeDir);
    template = Template.fromStack(new FlashSaleStack(new App(), 'Test', { lambdaCodeDir: codeDir }));
  });
  afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

  it('serves the schema file the Node server serves, to Cognito users by default and to IAM callers', () => {
    template.resourceCountIs('AWS::AppSync::GraphQLApi', 1);
    template.hasResourceProperties('AWS::AppSync::GraphQLApi', {
      AuthenticationType: 'AMAZON_COGNITO_USER_POOLS',
      UserPoolConfig: Match.objectLike({
        UserPoolId: { Ref: Match.stringLikeRegexp('^Users') },
        DefaultAction: 'ALLOW',
      }),
      AdditionalAuthenticationProviders: [{ AuthenticationType: 'AWS_IAM' }],
    });
    const [[, schema]] = resources('AWS::AppSync::GraphQLSchema') as [[string, Resource]];
    expect(schema.Properties.Definition).toBe(readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8'));
  });

  it('resolves every query, mutation and subscription of the schema through the resolver function', () => {
    const fn = logicalId('AWS::Lambda::Function', (r) =>
      JSON.stringify(r.Properties.Environment).includes('"SERVICE_NAME":"graphql"'),
    );
    const lambdaSource = resources('AWS::AppSync::DataSource').find(
      ([, r]) => r.Properties.Type === 'AWS_LAMBDA',
    );
    expect(lambdaSource).toBeDefined();
    // The live alias of the graphql function.
    expect(JSON.stringify(lambdaSource![1].Properties.LambdaConfig)).toMatch(/GraphqlLive/);
    const resolvers = resources('AWS::AppSync::Resolver').map(([, r]) => r.Properties);
    for (const [typeName, fieldName] of RESOLVED_FIELDS) {
      expect(resolvers).toContainEqual(
        expect.objectContaining({
          TypeName: typeName,
          FieldName: fieldName,
          DataSourceName: lambdaSource![1].Properties.Name,
          Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
          Code: INVOKE_RESOLVER_CODE,
        }),
      );
    }
    expect(fn).toMatch(/^GraphqlFunction/);
    // Every field of Query, Mutation and Subscription in the schema has a resolver.
    const sdl = readFileSync(GRAPHQL_SCHEMA_FILE, 'utf8');
    for (const type of ['Query', 'Mutation', 'Subscription']) {
      const body = new RegExp(`type ${type} \\{([^}]*)\\}`).exec(sdl)![1]!;
      const fields = [...body.matchAll(/^\s+(\w+)[(:]/gm)].map((m) => m[1]);
      for (const field of fields) {
        expect(
          resolvers.some((r) => r.TypeName === type && r.FieldName === field),
          `${type}.${field}`,
        ).toBe(true);
      }
    }
  });

  it('lets the order consumer, and only it, call the publish mutations that feed the subscriptions', () => {
    const noneSource = resources('AWS::AppSync::DataSource').find(([, r]) => r.Properties.Type === 'NONE');
    for (const fieldName of PUBLISH_MUTATIONS) {
      template.hasResourceProperties('AWS::AppSync::Resolver', {
        TypeName: 'Mutation',
        FieldName: fieldName,
        DataSourceName: noneSource![1].Properties.Name,
        Code: PUBLISH_CODE,
      });
    }
    const grants = resources('AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement.filter(
        (s) => s.Action === 'appsync:GraphQL',
      ).map((s) => ({ roles: p.Properties.Roles, resource: JSON.stringify(s.Resource) })),
    );
    expect(grants).toHaveLength(1);
    expect(JSON.stringify(grants[0]!.roles)).toMatch(/ConsumerFunction/);
    for (const fieldName of PUBLISH_MUTATIONS)
      expect(grants[0]!.resource).toContain(`/types/Mutation/fields/${fieldName}`);
    expect(grants[0]!.resource).not.toMatch(/purchase|pay|cancel/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SERVICE_NAME: 'consumer',
          GRAPHQL_URL: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GraphqlApi'), 'GraphQLUrl'] },
        }),
      },
    });
    template.hasOutput('GraphqlUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GraphqlApi'), 'GraphQLUrl'] },
    });
  });
});
