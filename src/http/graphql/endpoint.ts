import type { GraphQLSchema } from 'graphql';
import type { AppDeps } from '../../app/deps.ts';
import type { OrderChangeFeed } from '../../ports/order-change-feed.ts';
import type { RouteContext, RouteResult } from '../route.ts';
import type { HttpRequest } from '../types.ts';
import { SaleStatusWatch } from './sale-status-watch.ts';
import { createGraphqlSchema, type GraphqlContext } from './schema.ts';

export interface GraphqlEndpointOptions {
  readonly deps: AppDeps;
  readonly feed: OrderChangeFeed;
  /** How often a watched sale is read for saleStatus (default 250 ms). */
  readonly saleStatusIntervalMs?: number;
}

export interface GraphqlEndpoint {
  /** The executable schema, for the WebSocket transport. */
  readonly schema: GraphQLSchema;
  /** Answers a GraphQL request over HTTP (GET or POST /graphql), as graphql-yoga does. */
  handle(request: HttpRequest, context: RouteContext<unknown>): Promise<RouteResult>;
  close(): void;
}

/** The part of graphql-yoga used here. */
interface YogaModule {
  createYoga(options: {
    readonly schema: GraphQLSchema;
    readonly graphqlEndpoint: string;
    readonly graphiql: boolean;
    readonly landingPage: boolean;
    readonly maskedErrors: boolean;
    readonly logging: boolean;
    readonly context: (initial: { readonly caller: GraphqlContext }) => GraphqlContext;
  }): {
    fetch(
      url: string,
      init: RequestInit,
      serverContext: { readonly caller: GraphqlContext },
    ): Promise<Response>;
  };
}

// graphql-yoga's type declarations pull in the DOM library (through @whatwg-node/fetch), which would
// retype Node's globals (BroadcastChannel, ReadableStream) for the whole program: the module is loaded by
// a name TypeScript does not follow, and typed by the part used here.
const YOGA: string = 'graphql-yoga';

/**
 * GraphQL over HTTP by graphql-yoga, with the schema of schema.ts. The HTTP
 * edge (http-app.ts) has already read the bearer token, if any, as a public
 * route that identifies its caller; each operation then asks for what its
 * REST route asks for.
 */
export async function createGraphqlEndpoint(options: GraphqlEndpointOptions): Promise<GraphqlEndpoint> {
  const { createYoga } = (await import(YOGA)) as YogaModule;
  const sales = new SaleStatusWatch(options.deps, options.saleStatusIntervalMs);
  const schema = createGraphqlSchema({ deps: options.deps, feed: options.feed, sales });
  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    // Resolvers word their own errors (errors.ts); what yoga adds (syntax, validation) is safe to show.
    maskedErrors: false,
    logging: false,
    context: ({ caller }) => caller,
  });
  return {
    schema,
    async handle(request, context) {
      const response = await yoga.fetch(
        `http://localhost${request.url}`,
        {
          method: request.method,
          headers: Object.entries(request.headers).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
          ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: request.body }),
        },
        {
          caller: {
            actor: context.actor,
            clientAddress: context.clientAddress,
            requestId: context.requestId,
            purchaseTokenHeader: context.headers['x-purchase-token'],
            transport: 'http',
          },
        },
      );
      return {
        status: response.status,
        body: await response.text(),
        contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
      };
    },
    close: () => sales.close(),
  };
}
