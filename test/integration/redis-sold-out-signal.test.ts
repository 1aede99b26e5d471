import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisSoldOutSignal } from '../../src/adapters/redis/redis-sold-out-signal.ts';
import { sharedRedisUrl, sharedServicesAvailable, uniqueNamespace } from '../support/cluster-services.ts';

const available = await sharedServicesAvailable();

/**
 * Another process with a signal on the same channel: it announces (sale-a,
 * true) once subscribed, prints every announcement it hears, and exits after
 * hearing one.
 */
const PEER = `
  import { Redis } from 'ioredis';
  import { RedisSoldOutSignal } from './src/adapters/redis/redis-sold-out-signal.ts';
  const [url, channel] = process.argv.slice(1);
  const publisher = new Redis(url);
  const signal = await RedisSoldOutSignal.open(publisher, new Redis(url), channel);
  signal.subscribe(async (saleId, soldOut) => {
    process.stdout.write(JSON.stringify({ saleId, soldOut }) + '\\n');
    await signal.close();
    publisher.disconnect();
    process.exit(0);
  });
  const timer = setInterval(() => signal.announce('sale-a', true), 50);
  process.stdin.on('data', () => clearInterval(timer));
`;

describe.skipIf(!available)('sold-out signal over Redis pub/sub', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('carries an announcement from one process to another, both ways, and not back to its sender', async () => {
    const channel = `${uniqueNamespace().redisPrefix}sold-out`;
    const publisher = new Redis(sharedRedisUrl);
    const signal = await RedisSoldOutSignal.open(publisher, new Redis(sharedRedisUrl), channel);
    closers.push(
      () => publisher.disconnect(),
      () => signal.close(),
    );
    const heard: Array<[string, boolean]> = [];
    signal.subscribe((saleId, soldOut) => heard.push([saleId, soldOut]));

    const peer = spawn(process.execPath, ['--input-type=module', '-e', PEER, sharedRedisUrl, channel], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    closers.push(() => {
      peer.kill();
    });
    let peerOutput = '';
    peer.stdout.on('data', (chunk: Buffer) => {
      peerOutput += chunk.toString();
    });

    // The peer repeats its announcement until told to stop: pub/sub drops messages sent before subscribing.
    await expect.poll(() => heard.length, { timeout: 10_000 }).toBeGreaterThan(0);
    peer.stdin.write('stop\n');
    expect(heard[0]).toEqual(['sale-a', true]);

    signal.announce('sale-b', false);
    const exited = new Promise((resolve) => peer.once('exit', resolve));
    await expect.poll(() => peerOutput, { timeout: 10_000 }).toContain('sale-b');
    expect(JSON.parse(peerOutput.trim())).toEqual({ saleId: 'sale-b', soldOut: false });
    await exited;
    expect(heard.filter(([saleId]) => saleId === 'sale-b')).toEqual([]);
  });
});
