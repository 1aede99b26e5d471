import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../infra/order-workflow-definition.ts';
import { executionName, openSfnOrderWorkflow } from '../../src/adapters/sfn/sfn-order-workflow.ts';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaRuntime } from '../support/lambda-runtime.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '../support/local-step-functions.ts';

/** One state that waits for a task token, handing the token to the test. */
const waitForToken: AslDefinition = {
  Comment: 'waits for its task token',
  StartAt: 'Wait',
  States: {
    Wait: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:wait',
        Payload: { 'orderId.$': '$.orderId', 'taskToken.$': '$$.Task.Token' },
      },
      TimeoutSeconds: 30,
      End: true,
    },
  },
};

describe('the Step Functions order workflow adapter (SDK client against a local SFN endpoint)', () => {
  let sfn: LocalStepFunctions;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    sfn = await startLocalStepFunctions({
      definition: waitForToken,
      invoke: async (payload) => {
        const { orderId, taskToken } = payload as { orderId: string; taskToken: string };
        tokens.set(orderId, taskToken);
        return {};
      },
      sendMessage: async () => {},
    });
  });
  afterAll(() => sfn.stop());

  const client = (arn?: string) =>
    openSfnOrderWorkflow(
      { endpoint: sfn.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
      arn ?? sfn.stateMachineArn,
    );
  const token = async (orderId: string) => {
    for (let i = 0; i < 200 && !tokens.has(orderId); i++) await new Promise((r) => setTimeout(r, 5));
    return tokens.get(orderId)!;
  };

  it('starts one execution per order, however often the start is repeated', async () => {
    const workflow = client();
    await workflow.start('order-1', { orderId: 'order-1' });
    await workflow.start('order-1', { orderId: 'order-1' });
    // A closed execution or another input answers ExecutionAlreadyExists: started already, not an error.
    await workflow.start('order-1', { orderId: 'order-1', requestId: 'other' });
    expect([...sfn.executions.keys()].filter((name) => name === 'order-1')).toHaveLength(1);
    await workflow.complete(await token('order-1'), 'paid');
    await sfn.executions.get('order-1')!.done;
    expect(sfn.executions.get('order-1')!.status).toBe('SUCCEEDED');
    workflow.close();
  });

  it('ends a wait with SendTaskFailure(OrderCancelled); a wait that already ended is no error', async () => {
    const workflow = client();
    await workflow.start('order-2', { orderId: 'order-2' });
    const waiting = await token('order-2');
    await workflow.complete(waiting, 'cancelled');
    await sfn.executions.get('order-2')!.done;
    expect(sfn.executions.get('order-2')).toMatchObject({ status: 'FAILED', error: 'OrderCancelled' });
    await expect(workflow.complete(waiting, 'paid')).resolves.toBeUndefined();
    await expect(workflow.complete('never-handed-out', 'paid')).resolves.toBeUndefined();
    workflow.close();
  });

  it('throws the faults that are not about an ended wait', async () => {
    const wrong = client('arn:aws:states:us-east-1:000000000000:stateMachine:nope');
    await expect(wrong.start('order-3', { orderId: 'order-3' })).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    wrong.close();
    const apiOnly = openSfnOrderWorkflow({ endpoint: sfn.endpoint, region: LOCAL_REGION }, undefined);
    await expect(apiOnly.start('order-4', { orderId: 'order-4' })).rejects.toThrow(/no state machine/);
    apiOnly.close();
  });

  it('names executions by order id, hashing ids Step Functions would refuse', () => {
    expect(executionName('0193f0c2-7d1e-7c3a-9f00-1a2b3c4d5e6f')).toBe(
      '0193f0c2-7d1e-7c3a-9f00-1a2b3c4d5e6f',
    );
    const odd = executionName('order:with spaces/and:colons');
    expect(odd).toMatch(/^[a-f0-9]{64}$/);
    expect(executionName('order:with spaces/and:colons')).toBe(odd);
    expect(executionName('x'.repeat(81))).toHaveLength(64);
  });
});

describe('pay and cancel when Step Functions cannot be reached', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(() => aws.stop());

  it('answer as always (the ledger decided) and log that the workflow will learn it at its timeout', async () => {
    const resources = await aws.createResources();
    const lines: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    const runtime = lambdaRuntime(aws, resources, {
      config: { orderWorkflow: 'stepfunctions' },
      sfnEndpoint: 'http://127.0.0.1:9',
      logger: { log: (_level, message, fields) => lines.push({ message, fields }), enabled: () => true },
    });
    const api = createApiHandler(runtime);
    const call = async (method: string, path: string, claims: Record<string, string>, body?: unknown) => {
      const result = await api(httpApiEvent({ method, path, body, claims }));
      return { status: result.statusCode, json: JSON.parse(result.body ?? 'null') };
    };
    const sale = await call(
      'POST',
      '/v1/sales',
      cognitoClaims('ops', ['admin']),
      saleRequestBody(Date.now()),
    );
    const bought = await call('POST', `/v1/sales/${sale.json.id}/purchase`, cognitoClaims('ann'), {
      quantity: 1,
      idempotencyKey: 'k',
    });
    const orderId = bought.json.orderId as string;
    // The wait's token is kept on the order record (as the workflow's await-payment step keeps it).
    await runtime.deps.orders.apply(
      (await runtime.deps.ledger.findReservationByOrder(orderId))!,
      'confirmed',
      Date.now(),
    );
    await runtime.orderWorkflow!.tokens.save(orderId, 'token-1');
    const paid = await call('POST', `/v1/orders/${orderId}/pay`, cognitoClaims('ann'));
    expect(paid).toMatchObject({ status: 200, json: { status: 'paid' } });
    expect(lines).toContainEqual({
      message: 'order workflow not resumed: its timeout will read the ledger',
      fields: expect.objectContaining({ orderId }),
    });
  });
});
