import { randomUUID } from 'node:crypto';
import { INVOKE_RESOLVER_CODE } from '../../infra/graphql-api.ts';

/** A Cognito user pool caller as AppSync's `ctx.identity` has it. */
export function cognitoIdentity(sub: string, groups: string[] = []) {
  return {
    sub,
    issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
    username: sub,
    claims: {
      sub,
      token_use: 'access',
      client_id: '1example23456789',
      ...(groups.length === 0 ? {} : { 'cognito:groups': groups }),
    },
    sourceIp: ['203.0.113.7'],
    defaultAuthStrategy: 'ALLOW',
    groups: groups.length === 0 ? null : groups,
  };
}

/** An IAM caller (the order pipeline): no `sub`. */
export const iamIdentity = {
  accountId: '123456789012',
  cognitoIdentityPoolId: null,
  cognitoIdentityId: null,
  sourceIp: ['10.0.0.1'],
  username: 'AROAEXAMPLE:consumer',
  userArn: 'arn:aws:sts::123456789012:assumed-role/consumer/consumer',
  cognitoIdentityAuthType: null,
  cognitoIdentityAuthProvider: null,
};

/** AppSync's resolver context for one field, as the APPSYNC_JS runtime hands it to request/response. */
export function appsyncContext(
  parentTypeName: string,
  fieldName: string,
  args: Record<string, unknown>,
  identity: unknown,
  headers: Record<string, string> = {},
) {
  return {
    arguments: args,
    args,
    identity,
    source: null,
    prev: null,
    stash: {},
    error: undefined as { message: string; type: string } | undefined,
    result: undefined as unknown,
    request: {
      headers: {
        'content-type': 'application/json',
        authorization: 'eyJraWQiOi...the-cognito-token',
        'x-amzn-requestid': randomUUID(),
        host: 'example123.appsync-api.eu-west-1.amazonaws.com',
        ...headers,
      },
      domainName: null,
    },
    info: {
      fieldName,
      parentTypeName,
      variables: args,
      selectionSetList: [],
      selectionSetGraphQL: '',
    },
  };
}

/** What `util.error` raises: the field resolves to null with this error (errorType, errorInfo). */
export class AppSyncFieldError extends Error {
  readonly errorType: string | undefined;
  readonly errorInfo: unknown;
  constructor(message: string, errorType?: string, _data?: unknown, errorInfo?: unknown) {
    super(message);
    this.errorType = errorType;
    this.errorInfo = errorInfo;
  }
}

type ResolverModule = {
  request(ctx: ReturnType<typeof appsyncContext>): unknown;
  response(ctx: ReturnType<typeof appsyncContext>): unknown;
};

/**
 * The stack's resolver code, loaded as a module with AppSync's `util.error`
 * (it throws, and AppSync turns that into the field's error).
 */
export async function loadResolverCode(): Promise<ResolverModule> {
  (globalThis as { __appsyncUtil?: unknown }).__appsyncUtil = {
    error(message: string, type?: string, data?: unknown, info?: unknown): never {
      throw new AppSyncFieldError(message, type, data, info);
    },
  };
  const source = INVOKE_RESOLVER_CODE.replace(
    "import { util } from '@aws-appsync/utils';",
    'const util = globalThis.__appsyncUtil;',
  );
  return (await import(`data:text/javascript,${encodeURIComponent(source)}`)) as ResolverModule;
}
