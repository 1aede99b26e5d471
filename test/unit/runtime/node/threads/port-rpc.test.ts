import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { PendingCalls, rpcClient, serveRpc } from '../../../../../src/runtime/node/threads/port-rpc.ts';

interface Counter {
  add(by: number): Promise<number>;
  fail(): Promise<never>;
  missing(): Promise<void>;
  echo(value: unknown): Promise<unknown>;
  handle(): Promise<unknown>;
}

describe('port RPC between threads', () => {
  const channels: MessageChannel[] = [];
  afterEach(() => {
    for (const channel of channels.splice(0)) {
      channel.port1.close();
      channel.port2.close();
    }
  });

  function connect(seen?: { calls: number; replies: number }): Counter {
    const channel = new MessageChannel();
    channels.push(channel);
    if (seen !== undefined) {
      channel.port1.on('message', () => seen.calls++);
      channel.port2.on('message', () => seen.replies++);
    }
    let total = 0;
    serveRpc(channel.port1, {
      counter: {
        add: async (by: number) => {
          total += by;
          return total;
        },
        fail: async () => {
          throw new Error('store down');
        },
        echo: async (value: unknown) => value,
        // A result that cannot cross threads (structured clone refuses functions).
        handle: async () => ({ close: () => {} }),
      },
    });
    return rpcClient(channel.port2).remote<Counter>('counter');
  }

  it('answers each call with its own result, in any order', async () => {
    const counter = connect();
    const results = await Promise.all(Array.from({ length: 50 }, () => counter.add(2)));
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * (i + 1)));
  });

  it('passes failures back as errors, and names a method that does not exist', async () => {
    const counter = connect();
    await expect(counter.fail()).rejects.toThrow('store down');
    await expect(counter.missing()).rejects.toThrow('no method counter.missing');
    expect(await counter.add(1)).toBe(1);
  });

  it('sends the calls of one turn as one message, and their replies as one', async () => {
    const seen = { calls: 0, replies: 0 };
    const counter = connect(seen);
    const results = await Promise.all(Array.from({ length: 200 }, () => counter.add(1)));
    expect(results).toHaveLength(200);
    expect(new Set(results).size).toBe(200);
    expect(seen).toEqual({ calls: 1, replies: 1 });
    expect(await counter.add(1)).toBe(201);
    expect(seen).toEqual({ calls: 2, replies: 2 });
  });

  it('fails only the call whose argument or result cannot be cloned; the rest of its turn is answered', async () => {
    const counter = connect();
    const [bad, good, unsent, after] = await Promise.allSettled([
      counter.echo(() => 'a function'),
      counter.add(5),
      counter.handle(),
      counter.echo({ fine: true }),
    ]);
    expect(bad.status === 'rejected' && String(bad.reason)).toMatch(/the call cannot be sent/);
    expect(good).toEqual({ status: 'fulfilled', value: 5 });
    expect(unsent.status === 'rejected' && String(unsent.reason)).toMatch(/the result cannot be sent/);
    expect(after).toEqual({ status: 'fulfilled', value: { fine: true } });
    expect(await counter.add(1)).toBe(6);
  });

  it('serves and calls on one port in both directions', async () => {
    const channel = new MessageChannel();
    channels.push(channel);
    serveRpc(channel.port1, { here: { name: async () => 'main' } });
    serveRpc(channel.port2, { there: { name: async () => 'thread' } });
    const fromThread = rpcClient(channel.port2).remote<{ name(): Promise<string> }>('here');
    const fromMain = rpcClient(channel.port1).remote<{ name(): Promise<string> }>('there');
    expect(await Promise.all([fromThread.name(), fromMain.name(), fromThread.name()])).toEqual([
      'main',
      'thread',
      'main',
    ]);
  });
});

describe('PendingCalls', () => {
  const call = (id: number) => ({ id, resolve: () => {}, reject: () => {} });

  it('gives back each call once, by id, whatever the order, across many more calls than its first ring', () => {
    const pending = new PendingCalls();
    // 5,000 calls in flight at once (the ring starts at 1,024 slots), answered in a shuffled order.
    const ids = Array.from({ length: 5_000 }, (_, i) => i);
    for (const id of ids) pending.add(call(id));
    const order = [...ids].sort((a, b) => ((a * 7919) % 5_000) - ((b * 7919) % 5_000));
    for (const id of order) expect(pending.take(id)?.id).toBe(id);
    for (const id of ids) expect(pending.take(id)).toBeUndefined();
  });

  it('keeps a slow call while later ids wrap around the ring onto its slot', () => {
    const pending = new PendingCalls();
    pending.add(call(3));
    // 1024 + 3 and 2048 + 3 land on the slow call's slot until the ring grows past them.
    for (let id = 4; id < 4_000; id++) {
      pending.add(call(id));
      expect(pending.take(id)?.id).toBe(id);
    }
    expect(pending.take(3)?.id).toBe(3);
  });

  it('grows to 65,536 slots at most: past that, a call whose slot a stuck call holds waits aside', () => {
    const pending = new PendingCalls();
    pending.add(call(0));
    // A call that never gets its reply, while 300,000 later calls come and go around it.
    for (let id = 1; id <= 300_000; id++) {
      pending.add(call(id));
      expect(pending.take(id)?.id).toBe(id);
    }
    expect(pending.capacity).toBe(65_536);
    // Calls 65,536, 131,072 and 262,144 shared its slot and waited aside; they were answered all the same.
    pending.add(call(327_680));
    expect(pending.take(327_680)?.id).toBe(327_680);
    expect(() => pending.add(call(0))).toThrow('already pending');
    expect(pending.take(0)?.id).toBe(0);
  });

  it('answers an unknown or stale id with nothing, and refuses the same id twice', () => {
    const pending = new PendingCalls();
    pending.add(call(1_025));
    expect(pending.take(1)).toBeUndefined();
    expect(pending.take(1_025 + 1_024)).toBeUndefined();
    expect(() => pending.add(call(1_025))).toThrow('already pending');
    expect(pending.take(1_025)?.id).toBe(1_025);
  });
});
