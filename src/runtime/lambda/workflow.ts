// Lambda entry point: the order workflow's steps, invoked by its Step Functions state machine.
import { composeLambda } from './compose.ts';
import { lambdaConfigFromEnv } from './config.ts';
import { createWorkflowStepHandler } from './workflow/step-handler.ts';

export const handler = createWorkflowStepHandler(composeLambda(lambdaConfigFromEnv(process.env)));
