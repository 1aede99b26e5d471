import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
  getOperationAST,
} from 'graphql';
import type { AppDeps } from '../../app/deps.ts';
import type { OrderChangeFeed } from '../../ports/order-change-feed.ts';
import { HttpError } from '../http-error.ts';
import type { RouteContext, RouteResult } from '../route.ts';
import type { HttpRequest } from '../types.ts';
import { toGraphqlError } from './errors.ts';
import { SaleStatusWatch } from './sale-status-watch.ts';
import { createGraphqlSchema, type GraphqlContext } from './schema.ts';

export interface GraphqlEndpointOptions {
  readonly deps: AppDeps;
  readonly feed: OrderChangeFeed;
  /** How often a watched sale is read for saleStatus (default 250 ms). */
  readonly saleStatusIntervalMs?: number;
  /** Told of each fault an operation met. */
  readonly onFault?: (error: unknown) => void;
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
    readonly plugins: ReadonlyArray<{
      onSubscribe(payload: { setResultAndStopExecution(result: ExecutionResult): void }): void;
    }>;
  }): {
    fetch(
      url: string,
      init: RequestInit,
      serverContext: { readonly caller: GraphqlContext },
    ): Promise<Response>;
    getEnveloped(initial: { readonly caller: GraphqlContext }): Enveloped;
  };
}

/** graphql-yoga's envelop pipeline (parse and validation cached, execute), as getEnveloped hands it. */
interface Enveloped {
  readonly schema: GraphQLSchema;
  parse(source: string): DocumentNode;
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[];
  contextFactory(): Promise<unknown>;
  execute(args: {
    readonly schema: GraphQLSchema;
    readonly document: DocumentNode;
    readonly variableValues: Record<string, unknown> | undefined;
    readonly operationName: string | undefined;
    readonly contextValue: unknown;
  }): Promise<ExecutionResult | AsyncIterable<unknown>>;
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
  const schema = createGraphqlSchema({
    deps: options.deps,
    feed: options.feed,
    sales,
    onFault: options.onFault,
  });
  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    // Resolvers word their own errors (errors.ts); what yoga adds (syntax, validation) is safe to show.
    maskedErrors: false,
    logging: false,
    context: ({ caller }) => caller,
    plugins: [
      {
        // Over HTTP a subscription would hold the request open (or answer as a fault): refused at once.
        onSubscribe({ setResultAndStopExecution }) {
          setResultAndStopExecution({ errors: [subscriptionsOverWebSocket()] });
        },
      },
    ],
  });
  /**
   * The common request (a query or mutation POSTed as JSON that parses and
   * validates, answered as JSON) runs through yoga's own pipeline without its
   * Fetch API adapter, whose Request, Response and body streams cost several
   * times the purchase itself; anything else, errors in the request
   * included, goes through yoga.fetch, which words the protocol's answers.
   */
  async function direct(request: HttpRequest, caller: GraphqlContext): Promise<RouteResult | undefined> {
    if (request.method !== 'POST' || !isPlainJson(request.headers['content-type'])) return undefined;
    const accept = request.headers.accept;
    if (accept !== undefined && !/^(application\/json|\*\/\*)(;|,|$)/.test(accept)) return undefined;
    let params: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      params = JSON.parse(request.body) as typeof params;
    } catch {
      return undefined;
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return undefined;
    const { query, variables, operationName } = params;
    if (typeof query !== 'string') return undefined;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
    if (operationName != null && typeof operationName !== 'string') return undefined;
    const enveloped = yoga.getEnveloped({ caller });
    let document: DocumentNode;
    try {
      document = enveloped.parse(query);
    } catch {
      return undefined;
    }
    if (enveloped.validate(enveloped.schema, document).length > 0) return undefined;
    const operation = getOperationAST(document, operationName ?? undefined);
    if (operation == null || operation.operation === 'subscription') return undefined;
    const result = await enveloped.execute({
      schema: enveloped.schema,
      document,
      variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: operationName ?? undefined,
      contextValue: await enveloped.contextFactory(),
    });
    // No data at all: the variables did not coerce, a request error yoga answers in its own way.
    if (Symbol.asyncIterator in result || !('data' in result)) return undefined;
    return { status: 200, body: JSON.stringify(result), contentType: 'application/json; charset=utf-8' };
  }

  return {
    schema,
    async handle(request, context) {
      const caller: GraphqlContext = {
        actor: context.actor,
        clientAddress: context.clientAddress,
        requestId: context.requestId,
        purchaseTokenHeader: context.headers['x-purchase-token'],
        transport: 'http',
      };
      const answered = await direct(request, caller);
      if (answered !== undefined) return answered;
      const response = await yoga.fetch(
        `http://localhost${request.url}`,
        {
          method: request.method,
          headers: Object.entries(request.headers).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
          ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: request.body }),
        },
        { caller },
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

function isPlainJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  return type === 'application/json' && parameters.every((p) => /^charset="?utf-8"?$/.test(p));
}

function subscriptionsOverWebSocket(): GraphQLError {
  const error = toGraphqlError(
    new HttpError(
      'method_not_allowed',
      'subscriptions are served over WebSocket: connect a graphql-ws client to /graphql',
    ),
  );
  // yoga answers with this status, and leaves `http` out of what it sends.
  Object.assign(error.extensions, { http: { status: 405 } });
  return error;
}
