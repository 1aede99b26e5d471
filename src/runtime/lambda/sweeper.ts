// Lambda entry point: the EventBridge schedule (expiry and outbox sweep).
import { composeLambda } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';
import { createSweepHandler } from './sweep-handler.ts';

export const handler = createSweepHandler(composeLambda(lambdaConfigFromEnv(process.env)));
