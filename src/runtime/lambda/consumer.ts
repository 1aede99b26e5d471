// Lambda entry point: the SQS order queue (ReportBatchItemFailures).
import { composeLambda } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';
import { createConsumerHandler } from './consumer-handler.ts';

export const handler = createConsumerHandler(composeLambda(lambdaConfigFromEnv(process.env)));
