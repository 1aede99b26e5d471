import { ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { createConsumerHandler } from '../../src/runtime/lambda/consumer-handler.ts';
import { createSweepHandler } from '../../src/runtime/lambda/sweep-handler.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, drainQueue, httpApiEvent, pollOnce, sqsRecord } from '../support/lambda-events.ts';
import { lambdaRuntime, localSqs } from '../support/lambda-runtime.ts';
import { type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { ManualClock } from '../support/manual-clock.ts';

const admin = cognitoClaims('ops', ['admin']);

describe('the queue consumer and the sweeper Lambda handlers', () => {
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

  /** A fresh set of tables and queues, with the three functions' handlers over it. */
  async function stack(options: { maxReceiveCount?: number; clock?: ManualClock } = {}) {
    const resources = await aws.createResources({
      maxReceiveCount: options.maxReceiveCount ?? 3,
      visibilityTimeoutSeconds: 1,
    });
    const runtime = lambdaRuntime(aws, resources, {
      config: { maxReceiveCount: options.maxReceiveCount ?? 3 },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    const api = createApiHandler(runtime);
    const call = async (method: string, path: string, body?: unknown, claims = admin) => {
      const result = await api(httpApiEvent({ method, path, body, claims }));
      return { status: result.statusCode, json: JSON.parse(result.body ?? 'null') };
    };
    const now = options.clock?.now() ?? Date.now();
    const sale = (overrides: Record<string, unknown> = {}) =>
      call('POST', '/v1/sales', saleRequestBody(now, overrides)).then((r) => r.json as { id: string });
    const buy = (saleId: string, user: string, key = 'k') =>
      call('POST', `/v1/sales/${saleId}/purchase`, { quantity: 1, idempotencyKey: key }, cognitoClaims(user));
    return {
      resources,
      runtime,
      call,
      sale,
      buy,
      consumer: createConsumerHandler(runtime),
      sweep: createSweepHandler(runtime),
    };
  }

  async function received(queueUrl: string): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
      );
      if (Messages.length === 0) return out;
      out.push(...Messages.map((m) => JSON.parse(m.Body ?? '{}')));
    }
  }

  it('turns reservation events into orders and publishes order events on SNS', async () => {
    const s = await stack();
    const sale = await s.sale({ stock: 10 });
    const orders = await Promise.all(
      ['ann', 'ben', 'cyd'].map(async (u) => (await s.buy(sale.id, u)).json.orderId),
    );
    expect(await drainQueue(sqs, s.resources.queueUrl, s.consumer)).toBe(3);
    for (const id of orders) expect((await s.call('GET', `/v1/orders/${id}`)).json.status).toBe('confirmed');
    await s.call('POST', `/v1/orders/${orders[0]}/pay`, undefined, cognitoClaims('ann'));
    await drainQueue(sqs, s.resources.queueUrl, s.consumer);
    const events = await received(s.resources.topicTapQueueUrl);
    expect(events.map((e) => e.event).sort()).toEqual([
      'order.confirmed',
      'order.confirmed',
      'order.confirmed',
      'order.paid',
    ]);
    expect(events.find((e) => e.event === 'order.paid')).toMatchObject({
      orderId: orders[0],
      userId: 'ann',
      status: 'paid',
    });
    expect(s.runtime.metricLines.some((line) => JSON.parse(line).OrderEvents === 3)).toBe(true);
  });

  it('reports only the bad message of a batch as failed (ReportBatchItemFailures)', async () => {
    const s = await stack();
    const sale = await s.sale();
    await s.buy(sale.id, 'dan');
    await s.buy(sale.id, 'eve');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: s.resources.queueUrl,
        MessageBody: '{"not":"a reservation"}',
        MessageAttributes: { topic: { DataType: 'String', StringValue: 'reservation.created' } },
      }),
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: s.resources.queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(3);
    const bad = Messages.find((m) => m.Body?.includes('not'))!;
    const response = await s.consumer({
      Records: Messages.map((m) => sqsRecord(m, 'arn:aws:sqs:us-east-1:000000000000:q')),
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.MessageId }]);
    expect((await s.call('GET', `/v1/sales/${sale.id}/audit`)).json.ordersPending).toBe(0);
  });

  it('moves a message that keeps failing to the DLQ after maxReceiveCount; an admin redrives it', async () => {
    const s = await stack({ maxReceiveCount: 2 });
    const sale = await s.sale();
    const bought = await s.buy(sale.id, 'fay');
    // The order store is down: every delivery of this event fails.
    const realApply = s.runtime.backend.orders.apply.bind(s.runtime.backend.orders);
    s.runtime.backend.orders.apply = () => Promise.reject(new Error('orders table unavailable'));
    const failures: string[][] = [];
    for (let i = 0; i < 20; i++) {
      const { received, failed } = await pollOnce(sqs, s.resources.queueUrl, s.consumer);
      if (received > 0) failures.push(failed);
      if ((await s.runtime.backend.queue.depth()).dead === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(failures).toHaveLength(2); // delivered maxReceiveCount times, then moved by SQS itself
    expect(await s.runtime.backend.queue.depth()).toEqual({ pending: 0, dead: 1 });
    const metrics = s.runtime.metricLines.map((line) => JSON.parse(line));
    expect(metrics.filter((m) => m.Result === 'dead_lettered')).toHaveLength(1);

    const letters = await s.call('GET', '/v1/admin/dead-letters');
    expect(letters.json.deadLetters).toHaveLength(1);
    expect(letters.json.deadLetters[0]).toMatchObject({ topic: 'reservation.created' });
    s.runtime.backend.orders.apply = realApply;
    const redriven = await s.call('POST', `/v1/admin/dead-letters/${letters.json.deadLetters[0].id}/redrive`);
    expect(redriven.status).toBe(202);
    await drainQueue(sqs, s.resources.queueUrl, s.consumer);
    expect((await s.call('GET', `/v1/orders/${bought.json.orderId}`)).json.status).toBe('confirmed');
    expect(await s.runtime.backend.queue.depth()).toEqual({ pending: 0, dead: 0 });
  });

  it('expires unpaid reservations on schedule and their units go back on sale', async () => {
    const clock = new ManualClock();
    const s = await stack({ clock });
    const sale = await s.sale({ stock: 1, paymentWindowSeconds: 30 });
    const first = await s.buy(sale.id, 'gil');
    expect((await s.buy(sale.id, 'hal')).json.error.code).toBe('sold_out');
    expect(await s.sweep({})).toEqual({ expired: 0, relayed: 0 });
    clock.advance(30_000);
    expect(await s.sweep({})).toEqual({ expired: 1, relayed: 0 });
    expect((await s.call('GET', `/v1/orders/${first.json.orderId}`)).json.status).toBe('expired');
    expect((await s.buy(sale.id, 'hal', 'again')).status).toBe(201);
    await drainQueue(sqs, s.resources.queueUrl, s.consumer);
    const events = await received(s.resources.topicTapQueueUrl);
    expect(events.filter((e) => e.event === 'order.expired')).toHaveLength(1);
  });

  it('sends an event SQS refused later, from the reservation it is stored on (outbox sweep, I3)', async () => {
    const clock = new ManualClock();
    const s = await stack({ clock });
    const sale = await s.sale();
    // A function whose queue does not exist: the reservation is stored, its event is not sent.
    const broken = lambdaRuntime(
      aws,
      { ...s.resources, queueUrl: `${s.resources.queueUrl}-missing` },
      { clock },
    );
    const bought = await createApiHandler(broken)(
      httpApiEvent({
        method: 'POST',
        path: `/v1/sales/${sale.id}/purchase`,
        body: { quantity: 1, idempotencyKey: 'outbox' },
        claims: cognitoClaims('ivy'),
      }),
    );
    expect(bought.statusCode).toBe(201);
    expect(await drainQueue(sqs, s.resources.queueUrl, s.consumer)).toBe(0);
    expect(await s.sweep({})).toEqual({ expired: 0, relayed: 0 }); // too fresh: its writer may still send it
    clock.advance(10_000);
    expect(await s.sweep({})).toEqual({ expired: 0, relayed: 1 });
    expect(await s.sweep({})).toEqual({ expired: 0, relayed: 0 });
    expect(await drainQueue(sqs, s.resources.queueUrl, s.consumer)).toBe(1);
    const orderId = JSON.parse(bought.body ?? '{}').orderId;
    expect((await s.call('GET', `/v1/orders/${orderId}`)).json.status).toBe('confirmed');
    await broken.backend.close();
  });
});
