// Lambda entry point: the SQS order queue (ReportBatchItemFailures).
import { composeLambda, primeOnInit } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';
import { createConsumerHandler } from './consumer-handler.ts';

const runtime = composeLambda(lambdaConfigFromEnv(process.env));
await primeOnInit(runtime);

export const handler = createConsumerHandler(runtime);
