import { readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { AppDeps } from '../../app/deps.ts';
import type { OrderChangeFeed } from '../../ports/order-change-feed.ts';
import { HttpError } from '../http-error.ts';
import { toGraphqlError } from './errors.ts';
import { type Caller, operations } from './operations.ts';
import { orderUpdates } from './order-updates.ts';
import type { SaleStatusWatch } from './sale-status-watch.ts';

/** The schema file AppSync reads too (infra/graphql-api.ts). */
export const SCHEMA_FILE = new URL('./schema.graphql', import.meta.url);

/** AppSync's own directives, declared so that graphql-js accepts the shared file; they mean nothing here. */
const APPSYNC_DIRECTIVES = `
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
`;

export interface GraphqlContext extends Caller {
  /** Subscriptions are served over WebSocket only: over HTTP they would hold a request open. */
  readonly transport: 'http' | 'ws';
}

type Resolver<Args> = (parent: unknown, args: Args, context: GraphqlContext) => Promise<unknown>;

/**
 * Every resolver's errors leave as GraphQL errors with the REST code
 * (errors.ts); faults (5xx) are also handed to `onFault`, as REST logs them.
 */
function guardWith(onFault: (error: unknown) => void) {
  return <Args>(resolve: Resolver<Args>): Resolver<Args> =>
    (parent, args, context) =>
      resolve(parent, args, context).catch((error: unknown) => {
        const graphqlError = toGraphqlError(error);
        if (Number(graphqlError.extensions.status ?? 500) >= 500) onFault(error);
        throw graphqlError;
      });
}

function overWebSocket(context: GraphqlContext): void {
  if (context.transport !== 'ws') {
    throw new HttpError(
      'method_not_allowed',
      'subscriptions are served over WebSocket: connect a graphql-ws client to /graphql',
    );
  }
}

export interface SchemaParts {
  readonly deps: AppDeps;
  readonly feed: OrderChangeFeed;
  readonly sales: SaleStatusWatch;
  /** Told of each fault an operation met (logged by the runtime). */
  readonly onFault?: ((error: unknown) => void) | undefined;
}

/** The executable schema of the Node server: the shared file, resolved by the shared operations. */
export function createGraphqlSchema({ deps, feed, sales, onFault }: SchemaParts): GraphQLSchema {
  const guarded = guardWith(onFault ?? (() => {}));
  const typeDefs = APPSYNC_DIRECTIVES + readFileSync(SCHEMA_FILE, 'utf8');
  const pushedByThePipeline = guarded(async () => {
    throw new HttpError('forbidden', 'only the order pipeline publishes updates (AppSync, IAM)');
  });
  return makeExecutableSchema<GraphqlContext>({
    typeDefs,
    resolvers: {
      Query: {
        sales: guarded(() => operations.sales(deps)),
        sale: guarded<{ id: string }>((_, args, context) => operations.sale(deps, context, args)),
        order: guarded<{ id: string }>((_, args, context) => operations.order(deps, context, args)),
      },
      Mutation: {
        purchase: guarded<Parameters<typeof operations.purchase>[2]>((_, args, context) =>
          operations.purchase(deps, context, args),
        ),
        pay: guarded<{ orderId: string }>((_, args, context) => operations.pay(deps, context, args)),
        cancel: guarded<{ orderId: string }>((_, args, context) => operations.cancel(deps, context, args)),
        publishOrderUpdate: pushedByThePipeline,
        publishSaleStatus: pushedByThePipeline,
      },
      Subscription: {
        orderUpdated: {
          subscribe: guarded<{ orderId: string }>(async (_, args, context) => {
            overWebSocket(context);
            return orderUpdates(deps, feed, context, args.orderId);
          }),
          resolve: (update: unknown) => update,
        },
        saleStatus: {
          subscribe: guarded<{ saleId: string }>(async (_, args, context) => {
            overWebSocket(context);
            return sales.updates(args.saleId);
          }),
          resolve: (status: unknown) => status,
        },
      },
    },
  });
}
