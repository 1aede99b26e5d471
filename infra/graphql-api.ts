import { fileURLToPath } from 'node:url';
import {
  aws_appsync as appsync,
  type aws_cognito as cognito,
  type aws_iam as iam,
  type aws_lambda as lambda,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The schema the Node server serves too: one file for both. */
export const GRAPHQL_SCHEMA_FILE = fileURLToPath(
  new URL('../src/http/graphql/schema.graphql', import.meta.url),
);

/** The fields the resolver function answers (src/runtime/lambda/graphql-resolver-handler.ts). */
export const RESOLVED_FIELDS = [
  ['Query', 'sales'],
  ['Query', 'sale'],
  ['Query', 'order'],
  ['Mutation', 'purchase'],
  ['Mutation', 'pay'],
  ['Mutation', 'cancel'],
  // Run when a client subscribes: they refuse a shopper another's order, or an unknown sale.
  ['Subscription', 'orderUpdated'],
  ['Subscription', 'saleStatus'],
] as const;

/** The mutations the order consumer calls (IAM) so that AppSync pushes to the subscribers. */
export const PUBLISH_MUTATIONS = ['publishOrderUpdate', 'publishSaleStatus'] as const;

/**
 * Calls the resolver function with the field, its arguments and the caller
 * (no token: only the headers the operations read), and turns a refusal it
 * answers into a GraphQL error whose errorType is REST's code.
 */
export const INVOKE_RESOLVER_CODE = `import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'Invoke',
    payload: {
      info: { parentTypeName: ctx.info.parentTypeName, fieldName: ctx.info.fieldName },
      arguments: ctx.arguments,
      identity: ctx.identity ?? null,
      request: {
        headers: {
          'x-purchase-token': ctx.request.headers['x-purchase-token'],
          'x-amzn-requestid': ctx.request.headers['x-amzn-requestid'],
        },
      },
    },
  };
}

export function response(ctx) {
  if (ctx.error) util.error(ctx.error.message, ctx.error.type);
  const { data, error } = ctx.result;
  if (error) util.error(error.message, error.code, null, error.details);
  return data;
}
`;

/** The publish mutations return their input: AppSync sends it to the subscriptions that name them. */
export const PUBLISH_CODE = `export function request(ctx) {
  return { payload: ctx.arguments.input };
}

export function response(ctx) {
  return ctx.result;
}
`;

export interface GraphqlApiProps {
  readonly userPool: cognito.IUserPool;
  /** The resolver function (its live alias). */
  readonly resolver: lambda.IFunction;
}

/**
 * The AppSync GraphQL API: the shared schema file, signed-in users through
 * the Cognito user pool, the order pipeline through IAM (the publish
 * mutations, `@aws_iam` in the schema), queries and mutations answered by
 * the resolver function over the same use cases as the HTTP API.
 */
export class GraphqlApi extends Construct {
  readonly api: appsync.GraphqlApi;

  constructor(scope: Construct, id: string, props: GraphqlApiProps) {
    super(scope, id);
    this.api = new appsync.GraphqlApi(this, 'Api', {
      name: 'flashsale',
      definition: appsync.Definition.fromFile(GRAPHQL_SCHEMA_FILE),
      authorizationConfig: {
        defaultAuthorization: {
          authorizationType: appsync.AuthorizationType.USER_POOL,
          userPoolConfig: { userPool: props.userPool },
        },
        additionalAuthorizationModes: [{ authorizationType: appsync.AuthorizationType.IAM }],
      },
    });
    const functions = this.api.addLambdaDataSource('Resolvers', props.resolver);
    for (const [typeName, fieldName] of RESOLVED_FIELDS) {
      functions.createResolver(`${typeName}${fieldName}`, {
        typeName,
        fieldName,
        runtime: appsync.FunctionRuntime.JS_1_0_0,
        code: appsync.Code.fromInline(INVOKE_RESOLVER_CODE),
      });
    }
    const publish = this.api.addNoneDataSource('Publish');
    for (const fieldName of PUBLISH_MUTATIONS) {
      publish.createResolver(`Mutation${fieldName}`, {
        typeName: 'Mutation',
        fieldName,
        runtime: appsync.FunctionRuntime.JS_1_0_0,
        code: appsync.Code.fromInline(PUBLISH_CODE),
      });
    }
  }

  /** Lets `grantee` (the order consumer) call the publish mutations, and nothing else. */
  grantPublish(grantee: iam.IGrantable): void {
    this.api.grantMutation(grantee, ...PUBLISH_MUTATIONS);
  }
}
