// Lambda entry point: API Gateway HTTP API (payload 2.0). Clients and app are built once per environment.

import { createApiHandler } from './api-handler.ts';
import { composeLambda } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';

export const handler = createApiHandler(composeLambda(lambdaConfigFromEnv(process.env)));
