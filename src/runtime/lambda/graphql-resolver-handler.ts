import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import type { Actor } from '../../domain/actor.ts';
import { claimList } from '../../http/auth/authenticator.ts';
import { type Caller, operations } from '../../http/graphql/operations.ts';
import { refusalOf } from '../../http/graphql/refusals.ts';
import type { Logger } from '../../ports/logger.ts';
import type { LambdaRuntime } from './compose.ts';

/**
 * What the AppSync resolvers (infra/graphql-api.ts) send: the field, its
 * arguments, and who is calling, as AppSync's context has them (the same
 * names as a direct Lambda resolver's event).
 */
export interface AppSyncResolverCall {
  readonly info: { readonly parentTypeName: string; readonly fieldName: string };
  readonly arguments: Readonly<Record<string, unknown>>;
  /** A Cognito user pool caller: `sub`, its groups and source IPs; null for IAM or API-key callers. */
  readonly identity?: {
    readonly sub?: string;
    readonly groups?: readonly string[] | string | null;
    readonly sourceIp?: readonly string[];
  } | null;
  readonly request?: { readonly headers?: Readonly<Record<string, string | undefined>> } | null;
}

/** The data, or the refusal as REST words it (the resolver's response raises it as errorType = code). */
export type AppSyncResolverAnswer =
  | { readonly data: unknown }
  | {
      readonly error: {
        readonly code: string;
        readonly message: string;
        readonly details?: Readonly<Record<string, unknown>>;
      };
    };

type FieldResolver = (
  deps: AppDeps,
  caller: Caller,
  args: Readonly<Record<string, unknown>>,
) => Promise<unknown>;

const text = (args: Readonly<Record<string, unknown>>, name: string): string => String(args[name] ?? '');

/** The schema's fields AppSync resolves through this function, over the same operations as the Node server. */
const FIELDS: Readonly<Record<string, FieldResolver>> = {
  'Query.sales': (deps) => operations.sales(deps),
  'Query.sale': (deps, caller, args) => operations.sale(deps, caller, { id: text(args, 'id') }),
  'Query.order': (deps, caller, args) => operations.order(deps, caller, { id: text(args, 'id') }),
  'Mutation.purchase': (deps, caller, args) =>
    operations.purchase(deps, caller, {
      saleId: text(args, 'saleId'),
      quantity: args.quantity as number,
      idempotencyKey: text(args, 'idempotencyKey'),
      purchaseToken: typeof args.purchaseToken === 'string' ? args.purchaseToken : undefined,
    }),
  'Mutation.pay': (deps, caller, args) => operations.pay(deps, caller, { orderId: text(args, 'orderId') }),
  'Mutation.cancel': (deps, caller, args) =>
    operations.cancel(deps, caller, { orderId: text(args, 'orderId') }),
  // Run when a client subscribes: only the order's shopper (or an admin) may; what they then receive
  // comes from publishOrderUpdate. A subscription resolver's value is not sent, so it answers null.
  'Subscription.orderUpdated': async (deps, caller, args) => {
    await operations.orderNow(deps, caller, text(args, 'orderId'));
    return null;
  },
  'Subscription.saleStatus': async (deps, _caller, args) => {
    await operations.saleNow(deps, text(args, 'saleId'));
    return null;
  },
};

export function actorOf(identity: AppSyncResolverCall['identity'], adminGroup: string): Actor | undefined {
  const sub = identity?.sub;
  if (typeof sub !== 'string' || sub === '') return undefined;
  return { userId: sub, isAdmin: claimList(identity?.groups ?? undefined).includes(adminGroup) };
}

/**
 * The AppSync resolver function: one GraphQL field per call. Refusals come
 * back as values with REST's code (the resolver turns them into GraphQL
 * errors); faults are logged and answered as `internal_error`.
 */
export function createGraphqlResolverHandler(
  runtime: Pick<LambdaRuntime, 'deps' | 'config' | 'logger'> & {
    readonly emf?: LambdaRuntime['emf'];
  },
) {
  const { deps, config, logger } = runtime;
  return async (call: AppSyncResolverCall): Promise<AppSyncResolverAnswer> => {
    const field = `${call.info.parentTypeName}.${call.info.fieldName}`;
    const headers = call.request?.headers ?? {};
    const caller: Caller = {
      actor: actorOf(call.identity, config.adminGroup),
      clientAddress: call.identity?.sourceIp?.[0],
      requestId: headers['x-amzn-requestid'] ?? randomUUID(),
      purchaseTokenHeader: headers['x-purchase-token'],
    };
    try {
      const resolve = FIELDS[field];
      if (resolve === undefined) throw new Error(`no resolver for ${field}`);
      return { data: await resolve(deps, caller, call.arguments) };
    } catch (error) {
      const { message, extensions } = refusalOf(error);
      if (extensions.status >= 500) logFault(logger, field, error);
      return {
        error: {
          code: extensions.code,
          message,
          ...(extensions.details === undefined ? {} : { details: extensions.details }),
        },
      };
    } finally {
      runtime.emf?.flush();
    }
  };
}

function logFault(logger: Logger, field: string, error: unknown): void {
  logger.log('error', 'graphql resolver failed', { field, error });
}
