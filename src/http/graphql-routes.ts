import type { GraphqlEndpoint, GraphqlEndpointOptions } from './graphql/endpoint.ts';
import type { Route } from './route.ts';

/**
 * The GraphQL endpoint, made on first use: graphql-js and graphql-yoga are
 * loaded by the first GraphQL request or WebSocket, never on the REST path
 * or at start-up. One endpoint per thread, shared by HTTP and WebSocket.
 */
export class LazyGraphql {
  readonly #options: GraphqlEndpointOptions;
  #endpoint: Promise<GraphqlEndpoint> | undefined;

  constructor(options: GraphqlEndpointOptions) {
    this.#options = options;
  }

  endpoint(): Promise<GraphqlEndpoint> {
    this.#endpoint ??= import('./graphql/endpoint.ts').then(({ createGraphqlEndpoint }) =>
      createGraphqlEndpoint(this.#options),
    );
    return this.#endpoint;
  }

  /** Its routes, for the HTTP app. */
  routes(): Route[] {
    return graphqlRoutes(this);
  }

  /** Stops what the endpoint runs (the sale watches), if it was ever made. */
  async close(): Promise<void> {
    (await this.#endpoint)?.close();
  }
}

export function graphqlRoutes(graphql: LazyGraphql): Route[] {
  const answer: Route['handle'] = async (context) =>
    (await graphql.endpoint()).handle(context.request, context);
  const common = {
    path: '/graphql',
    access: 'public',
    // A bearer token, when sent, is verified here (401 if bad); each operation asks for what it needs.
    identifiesCaller: true,
    responses: [
      { status: 200, description: 'a GraphQL response (errors carry the REST code in extensions.code)' },
    ],
    handle: answer,
  } as const;
  return [
    {
      ...common,
      method: 'POST',
      summary:
        'GraphQL: the same use cases as /v1 (schema at /graphql/schema.graphql); subscriptions over WebSocket (graphql-ws) on this path',
    },
    { ...common, method: 'GET', summary: 'GraphQL queries over GET' },
    {
      method: 'GET',
      path: '/graphql/schema.graphql',
      access: 'public',
      summary: 'The GraphQL schema (SDL), shared with the AppSync API',
      responses: [{ status: 200, description: 'GraphQL SDL' }],
      async handle() {
        const { readFile } = await import('node:fs/promises');
        const { SCHEMA_FILE } = await import('./graphql/schema.ts');
        return {
          status: 200,
          body: await readFile(SCHEMA_FILE, 'utf8'),
          contentType: 'text/plain; charset=utf-8',
        };
      },
    },
  ];
}
