import { describe, expect, it } from 'vitest';
import { LambdaConfigError, lambdaConfigFromEnv } from '../../../../src/runtime/lambda/config.ts';

const base = {
  LEDGER_TABLE: 'ledger',
  ORDERS_TABLE: 'orders',
  QUEUE_URL: 'https://sqs.example/q',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.example/dlq',
};
const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:FlashSale-order-workflow';

describe('the Lambda functions’ order workflow settings', () => {
  it('runs orders on the queue unless told otherwise', () => {
    expect(lambdaConfigFromEnv(base)).toMatchObject({ orderWorkflow: 'queue', stateMachineArn: undefined });
    expect(lambdaConfigFromEnv({ ...base, ORDER_WORKFLOW: 'queue', STATE_MACHINE_ARN: arn })).toMatchObject({
      orderWorkflow: 'queue',
      stateMachineArn: undefined,
    });
  });

  it('runs them on Step Functions with the state machine named', () => {
    expect(
      lambdaConfigFromEnv({ ...base, ORDER_WORKFLOW: 'stepfunctions', STATE_MACHINE_ARN: arn }),
    ).toMatchObject({ orderWorkflow: 'stepfunctions', stateMachineArn: arn });
  });

  it('refuses, at start-up, stepfunctions without a state machine and any other workflow', () => {
    expect(() => lambdaConfigFromEnv({ ...base, ORDER_WORKFLOW: 'stepfunctions' })).toThrow(
      new LambdaConfigError('environment variable STATE_MACHINE_ARN is required'),
    );
    expect(() => lambdaConfigFromEnv({ ...base, ORDER_WORKFLOW: 'pipes' })).toThrow(
      /ORDER_WORKFLOW must be queue or stepfunctions, got pipes/,
    );
  });
});
