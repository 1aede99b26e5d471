// Lambda entry point: API Gateway HTTP API (payload 2.0). Clients and app are built once per environment.
import { createApiHandler } from './api-handler.ts';
import { composeLambda, primeOnInit } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';

const runtime = composeLambda(lambdaConfigFromEnv(process.env));
await primeOnInit(runtime);

export const handler = createApiHandler(runtime);
