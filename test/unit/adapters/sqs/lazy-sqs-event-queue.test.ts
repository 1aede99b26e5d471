import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LazySqsEventQueue } from '../../../../src/adapters/sqs/lazy-sqs-event-queue.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../support/local-aws.ts';

describe('LazySqsEventQueue', () => {
  let fauxqs: FauxqsServer;
  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  });
  afterAll(() => fauxqs.stop());

  const openQueue = (name: string) => {
    const queue = fauxqs.createQueue(name);
    const dlq = fauxqs.createQueue(`${name}-dlq`);
    return new LazySqsEventQueue({
      clientConfig: { endpoint: fauxqs.address, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
      queueUrl: queue.queueUrl,
      deadLetterQueueUrl: dlq.queueUrl,
    });
  };

  it('loads the SQS queue on first use and serves it as the queue', async () => {
    const queue = openQueue('lazy-first-use');
    await queue.publish('reservation.created', '{"id":"r-1"}', 0);
    const [event] = await queue.receive(10, 0);
    expect(event).toMatchObject({ topic: 'reservation.created', body: '{"id":"r-1"}', attempts: 0 });
    await queue.ack(event!.id);
    expect(await queue.depth()).toEqual({ pending: 0, dead: 0 });
    await queue.close();
  });

  it('refuses work once closed, whether or not it was ever loaded', async () => {
    const unused = openQueue('lazy-never-loaded');
    await unused.close();
    await expect(unused.publish('reservation.created', '{}', 0)).rejects.toThrow('closed');
    const used = openQueue('lazy-loaded');
    await used.load();
    await used.close();
    await expect(used.depth()).rejects.toThrow('closed');
  });
});
