import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowDefinition } from '../../infra/order-workflow-definition.ts';
import { expireDue } from '../../src/app/orders.ts';
import type { OrderWorkflow, PaymentOutcome } from '../../src/ports/order-workflow.ts';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import type { LambdaRuntime } from '../../src/runtime/lambda/compose.ts';
import { createWorkflowStepHandler } from '../../src/runtime/lambda/workflow/step-handler.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaRuntime, localSqs } from '../support/lambda-runtime.ts';
import { type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { ManualClock } from '../support/manual-clock.ts';

const definition = orderWorkflowDefinition({
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:workflow:live',
  deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/workflow-dlq',
});

/**
 * The Payload a state sends the workflow function, made from the definition
 * itself (its `.$` fields resolved from the execution's input and context),
 * so these are the events Step Functions would send.
 */
function payloadOf(state: string, input: Record<string, unknown>, token = 'token-1'): unknown {
  const parameters = definition.States[state]?.Parameters as { Payload: Record<string, unknown> };
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters.Payload)) {
    if (!key.endsWith('.$')) payload[key] = value;
    else if (value === '$$.Task.Token') payload[key.slice(0, -2)] = token;
    else payload[key.slice(0, -2)] = input[String(value).replace(/^\$\./, '')];
  }
  return payload;
}

/** Records what the steps ask of the orchestrator (the SFN adapter is tested against the local endpoint). */
class RecordingWorkflow implements OrderWorkflow {
  readonly completed: Array<{ token: string; outcome: PaymentOutcome }> = [];
  async start(): Promise<void> {}
  async complete(token: string, outcome: PaymentOutcome): Promise<void> {
    this.completed.push({ token, outcome });
  }
}

describe('the order workflow Lambda steps, on dynalite', () => {
  let aws: LocalAws;
  let sqs: SQSClient;

  beforeAll(async () => {
    aws = await startLocalAws();
    sqs = localSqs(aws);
  });
  afterAll(async () => {
    sqs.destroy();
    await aws.stop();
  });

  async function stack() {
    const clock = new ManualClock();
    const resources = await aws.createResources();
    const base = lambdaRuntime(aws, resources, { clock, config: { orderWorkflow: 'stepfunctions' } });
    const workflow = new RecordingWorkflow();
    const runtime: LambdaRuntime = { ...base, orderWorkflow: { ...base.orderWorkflow!, workflow } };
    const step = createWorkflowStepHandler(runtime);
    const api = createApiHandler(lambdaRuntime(aws, resources, { clock }));
    const call = async (method: string, path: string, claims: Record<string, string>, body?: unknown) => {
      const result = await api(httpApiEvent({ method, path, body, claims }));
      return { status: result.statusCode, json: JSON.parse(result.body ?? 'null') };
    };
    const admin = cognitoClaims('ops', ['admin']);
    const order = async (user = 'ann', window = 60) => {
      const sale = await call(
        'POST',
        '/v1/sales',
        admin,
        saleRequestBody(clock.now(), { stock: 3, paymentWindowSeconds: window }),
      );
      const bought = await call('POST', `/v1/sales/${sale.json.id}/purchase`, cognitoClaims(user), {
        quantity: 1,
        idempotencyKey: 'k',
      });
      return { saleId: sale.json.id as string, orderId: bought.json.orderId as string };
    };
    const run = (state: string, orderId: string) => step(payloadOf(state, { orderId }));
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: Error) => error.name,
      );
    const available = async (saleId: string) =>
      (await call('GET', `/v1/sales/${saleId}`, admin)).json.available;
    return { clock, resources, runtime, workflow, step, call, order, run, failure, available };
  }

  it('inspect: the reservation as the workflow branches on it, and the wait to the end of its window', async () => {
    const s = await stack();
    const { orderId } = await s.order('ann', 60);
    s.clock.advance(10_500);
    expect(await s.run('Inspect', orderId)).toEqual({ outcome: 'held', waitSeconds: 50 });
    s.clock.advance(49_999);
    expect(await s.run('Inspect', orderId)).toEqual({ outcome: 'held', waitSeconds: 1 });
    s.clock.advance(1);
    await expireDue(s.runtime.deps);
    expect(await s.run('Inspect', orderId)).toMatchObject({ outcome: 'expired', waitSeconds: 1 });

    const paid = await s.order('ben');
    await s.call('POST', `/v1/orders/${paid.orderId}/pay`, cognitoClaims('ben'));
    expect(await s.run('Inspect', paid.orderId)).toMatchObject({ outcome: 'paid' });
    const cancelled = await s.order('cyd');
    await s.call('POST', `/v1/orders/${cancelled.orderId}/cancel`, cognitoClaims('cyd'));
    expect(await s.run('Inspect', cancelled.orderId)).toMatchObject({ outcome: 'cancelled' });
    expect(await s.failure(s.run('Inspect', 'no-such-order'))).toBe('OrderNotFound');
  });

  it('record: moves the order record and publishes it; refuses an outcome the ledger does not hold', async () => {
    const s = await stack();
    const { orderId } = await s.order();
    expect(await s.run('Confirm', orderId)).toEqual({ status: 'confirmed' });
    expect(await s.run('Confirm', orderId)).toEqual({ status: 'confirmed' });
    expect((await s.runtime.deps.orders.get(orderId))?.status).toBe('confirmed');
    expect(await s.failure(s.run('RecordPaid', orderId))).toBe('LedgerDisagrees');
    expect((await s.runtime.deps.orders.get(orderId))?.status).toBe('confirmed');

    await s.call('POST', `/v1/orders/${orderId}/pay`, cognitoClaims('ann'));
    expect(await s.run('RecordPaid', orderId)).toEqual({ status: 'paid' });
    expect((await s.runtime.deps.orders.get(orderId))?.status).toBe('paid');
    // A final order takes no other outcome, whatever the ledger.
    expect(await s.failure(s.run('RecordCancelled', orderId))).toBe('LedgerDisagrees');
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: s.resources.topicTapQueueUrl, MaxNumberOfMessages: 10 }),
    );
    const events = Messages.map((m) => JSON.parse(m.Body!).event as string);
    expect(events.filter((e) => e === 'order.paid')).toHaveLength(1);
    expect(events).toContain('order.confirmed');
  });

  it('await-payment: keeps the token; ends the wait at once when the payment or cancellation came first', async () => {
    const s = await stack();
    // No order record yet: the token store refuses (the workflow confirms before it waits).
    const early = await s.order('ann');
    expect(await s.failure(s.run('AwaitPayment', early.orderId))).toBe('ConditionalCheckFailedException');

    const { orderId } = await s.order('ben');
    await s.run('Confirm', orderId);
    expect(await s.step(payloadOf('AwaitPayment', { orderId }, 'token-A'))).toEqual({ outcome: 'held' });
    expect(await s.runtime.orderWorkflow!.tokens.find(orderId)).toBe('token-A');
    expect(s.workflow.completed).toEqual([]);

    // Paid while no token was kept (a retried wait): the wait ends itself.
    await s.call('POST', `/v1/orders/${orderId}/pay`, cognitoClaims('ben'));
    expect(await s.step(payloadOf('AwaitPayment', { orderId }, 'token-B'))).toEqual({ outcome: 'paid' });
    expect(await s.runtime.orderWorkflow!.tokens.find(orderId)).toBe('token-B');
    expect(s.workflow.completed).toEqual([{ token: 'token-B', outcome: 'paid' }]);

    const gone = await s.order('cyd');
    await s.run('Confirm', gone.orderId);
    await s.call('POST', `/v1/orders/${gone.orderId}/cancel`, cognitoClaims('cyd'));
    await s.step(payloadOf('AwaitPayment', { orderId: gone.orderId }, 'token-C'));
    expect(s.workflow.completed).toContainEqual({ token: 'token-C', outcome: 'cancelled' });
  });

  it('release-on-timeout: gives the units back, unless a payment got there first', async () => {
    const s = await stack();
    const { saleId, orderId } = await s.order('ann');
    expect(await s.available(saleId)).toBe(2);
    expect(await s.run('ReleaseOnTimeout', orderId)).toEqual({ outcome: 'expired' });
    expect(await s.available(saleId)).toBe(3);
    expect(await s.run('ReleaseOnTimeout', orderId)).toEqual({ outcome: 'expired' });
    expect(await s.available(saleId)).toBe(3);

    const paid = await s.order('ben');
    await s.call('POST', `/v1/orders/${paid.orderId}/pay`, cognitoClaims('ben'));
    expect(await s.run('ReleaseOnTimeout', paid.orderId)).toEqual({ outcome: 'paid' });
    expect(await s.available(paid.saleId)).toBe(2);
  });

  it('refuses input that is not a step it knows, as InvalidStepInput (no retries)', async () => {
    const s = await stack();
    for (const input of [
      null,
      { step: 'inspect' },
      { step: 'ship', orderId: 'o1' },
      { step: 'record', orderId: 'o1', event: 'shipped' },
      { step: 'await-payment', orderId: 'o1' },
    ]) {
      expect(await s.failure(s.step(input)), JSON.stringify(input)).toBe('InvalidStepInput');
    }
    expect(definition.States.Inspect?.Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: expect.arrayContaining(['InvalidStepInput']), MaxAttempts: 0 }),
    );
  });
});
