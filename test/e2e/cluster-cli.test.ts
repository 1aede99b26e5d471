import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/ports/backend.ts';
import { openClusterBackend } from '../../src/shapes/cluster.ts';
import {
  dropNamespace,
  sharedDatabaseUrl,
  sharedRedisUrl,
  sharedServicesAvailable,
  uniqueNamespace,
} from '../support/cluster-services.ts';

const run = promisify(execFile);
const available = await sharedServicesAvailable();

describe.skipIf(!available)('the flashsale command on the cluster shape', () => {
  const namespace = uniqueNamespace();
  const env = {
    ...process.env,
    BACKEND: 'cluster',
    REDIS_URL: sharedRedisUrl,
    DATABASE_URL: sharedDatabaseUrl,
    REDIS_PREFIX: namespace.redisPrefix,
    DATABASE_SCHEMA: namespace.databaseSchema,
  };
  const flashsale = (...args: string[]) => run(process.execPath, ['bin/flashsale.js', ...args], { env });
  let backend: Backend;

  beforeAll(async () => {
    backend = await openClusterBackend({
      redisUrl: sharedRedisUrl,
      databaseUrl: sharedDatabaseUrl,
      stockShards: 1,
      workerClaimIdleMs: 30_000,
      ...namespace,
    });
  });
  afterAll(async () => {
    await backend?.close();
    await dropNamespace(namespace);
  });

  it('lists and redrives the dead letters BACKEND=cluster names', async () => {
    const now = Date.now();
    await backend.queue.publish('reservation.created', '{"broken":true}', now);
    const [event] = await backend.queue.receive(10, now);
    await backend.queue.deadLetter(event!.id, 'unreadable', now);
    expect(await backend.queue.depth()).toEqual({ pending: 0, dead: 1 });

    const listed = await flashsale('dead-letters', 'list');
    expect(listed.stdout).toMatch(/^\d+-\d+\treservation\.created\t1 attempts\t.*\tunreadable\n$/);
    const redrivenFrom = Date.now();
    const redriven = await flashsale('dead-letters', 'redrive', '--all');
    expect(redriven.stdout.trim()).toBe('redriven: 1');
    const depth = await backend.queue.depth();
    expect(depth).toMatchObject({ pending: 1, dead: 0 });
    // Queued again by the redrive: the oldest pending event is as old as it.
    expect(depth.oldestPendingAt).toBeGreaterThanOrEqual(redrivenFrom);
    expect(depth.oldestPendingAt).toBeLessThanOrEqual(Date.now());
    const [again] = await backend.queue.receive(10, Date.now());
    expect(again).toMatchObject({ topic: 'reservation.created', body: '{"broken":true}', attempts: 0 });
  });
});
