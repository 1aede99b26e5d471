// Lambda entry point: API Gateway HTTP API (payload 2.0). Clients and app are built once per environment.
import { composeLambda } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';
import { createApiHandler } from './handlers.ts';

export const handler = createApiHandler(composeLambda(lambdaConfigFromEnv(process.env)));
