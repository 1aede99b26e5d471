// Lambda entry point: the AppSync API's resolvers (infra/graphql-api.ts).
import { composeLambda, primeOnInit } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';
import { createGraphqlResolverHandler } from './graphql-resolver-handler.ts';

const runtime = composeLambda(lambdaConfigFromEnv(process.env));
await primeOnInit(runtime);

export const handler = createGraphqlResolverHandler(runtime);
