import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowDefinition } from '../../infra/order-workflow-definition.ts';
import { LazySfnOrderWorkflow } from '../../src/adapters/sfn/lazy-sfn-order-workflow.ts';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { createConsumerHandler } from '../../src/runtime/lambda/consumer-handler.ts';
import { createWorkflowStepHandler } from '../../src/runtime/lambda/workflow/step-handler.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, drainQueue, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaRuntime, localSqs } from '../support/lambda-runtime.ts';
import { type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { type LocalStepFunctions, startLocalStepFunctions } from '../support/local-step-functions.ts';

const admin = cognitoClaims('ops', ['admin']);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The whole order lifecycle on the Step Functions workflow, locally: the API,
 * consumer and workflow Lambda handlers on dynalite and fauxqs, the state
 * machine's definition run by a local ASL interpreter behind a local SFN
 * endpoint that the real SDK client calls (start, task-token success and
 * failure).
 */
describe('orders on the Step Functions workflow, end to end', () => {
  let aws: LocalAws;
  let sqs: SQSClient;
  let sfn: LocalStepFunctions;
  let step: ReturnType<typeof createWorkflowStepHandler> | undefined;
  let workflowDlqUrl: string;

  beforeAll(async () => {
    aws = await startLocalAws();
    sqs = localSqs(aws);
    workflowDlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'workflow-dlq' }))).QueueUrl!;
    sfn = await startLocalStepFunctions({
      definition: orderWorkflowDefinition({
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:workflow:live',
        deadLetterQueueUrl: workflowDlqUrl,
      }),
      invoke: async (payload) => {
        if (step === undefined) throw new Error('no step handler yet');
        return step(payload);
      },
      sendMessage: async (QueueUrl, MessageBody) => {
        await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));
      },
    });
  });
  afterAll(async () => {
    await sfn.stop();
    sqs.destroy();
    await aws.stop();
  });

  /** `apiSfnEndpoint`: where the API function reaches Step Functions (default: the local endpoint). */
  async function stack(apiSfnEndpoint?: string) {
    const resources = await aws.createResources({ maxReceiveCount: 3, visibilityTimeoutSeconds: 1 });
    const options = {
      config: { orderWorkflow: 'stepfunctions' as const, stateMachineArn: sfn.stateMachineArn },
      sfnEndpoint: sfn.endpoint,
    };
    // One execution environment per function, as on Lambda.
    const apiRuntime = lambdaRuntime(aws, resources, {
      ...options,
      sfnEndpoint: apiSfnEndpoint ?? sfn.endpoint,
    });
    const consumerRuntime = lambdaRuntime(aws, resources, options);
    const workflowRuntime = lambdaRuntime(aws, resources, options);
    step = createWorkflowStepHandler(workflowRuntime);
    const api = createApiHandler(apiRuntime);
    const consumer = createConsumerHandler(consumerRuntime);
    const call = async (method: string, path: string, body?: unknown, claims = admin) => {
      const result = await api(httpApiEvent({ method, path, body, claims }));
      return { status: result.statusCode, json: JSON.parse(result.body ?? 'null') };
    };
    const sale = (overrides: Record<string, unknown> = {}) =>
      call('POST', '/v1/sales', saleRequestBody(Date.now(), overrides)).then((r) => r.json as { id: string });
    const buy = async (saleId: string, user: string) => {
      const answer = await call(
        'POST',
        `/v1/sales/${saleId}/purchase`,
        { quantity: 1, idempotencyKey: `k-${user}` },
        cognitoClaims(user),
      );
      expect(answer.status).toBe(201);
      return answer.json.orderId as string;
    };
    const drain = () => drainQueue(sqs, resources.queueUrl, consumer);
    const tokens = workflowRuntime.backend.taskTokens;
    const waiting = (orderId: string) => until(`${orderId} to wait for payment`, () => tokens.find(orderId));
    const execution = (orderId: string) => until(`execution ${orderId}`, () => sfn.executions.get(orderId));
    const record = (orderId: string) => workflowRuntime.deps.orders.get(orderId);
    const available = async (saleId: string) => (await call('GET', `/v1/sales/${saleId}`)).json.available;
    const apiWorkflow = apiRuntime.orderWorkflow?.workflow;
    if (!(apiWorkflow instanceof LazySfnOrderWorkflow))
      throw new Error('the API loads Step Functions lazily');
    return {
      resources,
      apiRuntime,
      apiWorkflow,
      call,
      sale,
      buy,
      drain,
      waiting,
      execution,
      record,
      available,
    };
  }

  it('confirms, waits for payment, and records the payment that resumes it (SendTaskSuccess)', async () => {
    const s = await stack();
    const sale = await s.sale({ stock: 5 });
    const orderId = await s.buy(sale.id, 'ann');
    // The purchase path never loads the Step Functions client.
    expect(s.apiWorkflow.loaded).toBe(false);
    await s.drain();
    await s.waiting(orderId);
    expect((await s.record(orderId))?.status).toBe('confirmed');

    const paid = await s.call('POST', `/v1/orders/${orderId}/pay`, undefined, cognitoClaims('ann'));
    expect(paid).toMatchObject({ status: 200, json: { status: 'paid' } });
    expect(s.apiWorkflow.loaded).toBe(true);
    const execution = await s.execution(orderId);
    await execution.done;
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states).toEqual(['Inspect', 'ByReservation', 'Confirm', 'AwaitPayment', 'RecordPaid']);
    expect((await s.record(orderId))?.status).toBe('paid');
    expect(await s.available(sale.id)).toBe(4);
    // Events published on the topic, as the queue consumer publishes them.
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: s.resources.topicTapQueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => JSON.parse(m.Body!).event).sort()).toEqual(['order.confirmed', 'order.paid']);
  });

  it('records the cancellation that resumes it (SendTaskFailure) and the units go back on sale', async () => {
    const s = await stack();
    const sale = await s.sale({ stock: 5 });
    const orderId = await s.buy(sale.id, 'ben');
    await s.drain();
    await s.waiting(orderId);
    const cancelled = await s.call('POST', `/v1/orders/${orderId}/cancel`, undefined, cognitoClaims('ben'));
    expect(cancelled).toMatchObject({ status: 200, json: { status: 'cancelled' } });
    const execution = await s.execution(orderId);
    await execution.done;
    expect(execution.states).toEqual([
      'Inspect',
      'ByReservation',
      'Confirm',
      'AwaitPayment',
      'RecordCancelled',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
    expect((await s.record(orderId))?.status).toBe('cancelled');
    expect(await s.available(sale.id)).toBe(5);
    // Cancelling again answers the same, and resuming an ended wait is no error.
    expect(
      (await s.call('POST', `/v1/orders/${orderId}/cancel`, undefined, cognitoClaims('ben'))).status,
    ).toBe(200);
  });

  it('releases the units when the payment window closes; a late payment gets 409 payment_window_expired', async () => {
    const s = await stack();
    const sale = await s.sale({ stock: 5, paymentWindowSeconds: 1 });
    const orderId = await s.buy(sale.id, 'cyd');
    await s.drain();
    const execution = await s.execution(orderId);
    await execution.done;
    expect(execution.states).toEqual([
      'Inspect',
      'ByReservation',
      'Confirm',
      'AwaitPayment',
      'ReleaseOnTimeout',
      'AfterTimeout',
      'RecordExpired',
    ]);
    expect((await s.record(orderId))?.status).toBe('expired');
    expect(await s.available(sale.id)).toBe(5);
    const late = await s.call('POST', `/v1/orders/${orderId}/pay`, undefined, cognitoClaims('cyd'));
    expect(late).toMatchObject({ status: 409, json: { error: { code: 'payment_window_expired' } } });
  });

  it('records a payment whose resume was lost at the timeout, from the ledger: paid, units kept', async () => {
    // The API cannot reach Step Functions: the payment stands, the wait is not ended.
    const s = await stack('http://127.0.0.1:9');
    // Two seconds: room to pay inside the window on a busy machine.
    const sale = await s.sale({ stock: 5, paymentWindowSeconds: 2 });
    const orderId = await s.buy(sale.id, 'eve');
    await s.drain();
    await s.waiting(orderId);
    const paid = await s.call('POST', `/v1/orders/${orderId}/pay`, undefined, cognitoClaims('eve'));
    expect(paid).toMatchObject({ status: 200, json: { status: 'paid' } });
    const execution = await s.execution(orderId);
    await execution.done;
    expect(execution.states).toEqual([
      'Inspect',
      'ByReservation',
      'Confirm',
      'AwaitPayment',
      'ReleaseOnTimeout',
      'AfterTimeout',
      'RecordPaid',
    ]);
    expect(execution.status).toBe('SUCCEEDED');
    expect((await s.record(orderId))?.status).toBe('paid');
    expect(await s.available(sale.id)).toBe(4);
  });

  it('records at once an order paid before its workflow started, and starts one execution per order', async () => {
    const s = await stack();
    const sale = await s.sale({ stock: 5 });
    const orderId = await s.buy(sale.id, 'dee');
    expect((await s.call('POST', `/v1/orders/${orderId}/pay`, undefined, cognitoClaims('dee'))).status).toBe(
      200,
    );
    // created and paid events; the consumer starts the workflow for the first only.
    expect(await s.drain()).toBe(2);
    const execution = await s.execution(orderId);
    await execution.done;
    expect(execution.states).toEqual(['Inspect', 'ByReservation', 'RecordPaid']);
    expect((await s.record(orderId))?.status).toBe('paid');
    expect([...sfn.executions.keys()].filter((name) => name === orderId)).toHaveLength(1);
  });

  it('sends an execution that cannot go on to the dead-letter queue and fails it', async () => {
    const s = await stack();
    await s.apiRuntime.orderWorkflow!.workflow.start('no-such-order', { orderId: 'no-such-order' });
    const execution = await s.execution('no-such-order');
    await execution.done;
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('OrderWorkflowFailed');
    expect(execution.states).toEqual(['Inspect', 'DeadLetter', 'Failed']);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: workflowDlqUrl, MaxNumberOfMessages: 10 }),
    );
    const parked = Messages.map((m) => JSON.parse(m.Body!));
    expect(parked).toContainEqual(
      expect.objectContaining({
        orderId: 'no-such-order',
        error: expect.objectContaining({ Error: 'OrderNotFound' }),
      }),
    );
  });
});
