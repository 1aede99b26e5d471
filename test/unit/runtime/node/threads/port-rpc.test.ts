import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { rpcClient, serveRpc } from '../../../../../src/runtime/node/threads/port-rpc.ts';

interface Counter {
  add(by: number): Promise<number>;
  fail(): Promise<never>;
  missing(): Promise<void>;
}

describe('port RPC between threads', () => {
  const channels: MessageChannel[] = [];
  afterEach(() => {
    for (const channel of channels.splice(0)) {
      channel.port1.close();
      channel.port2.close();
    }
  });

  function connect(): Counter {
    const channel = new MessageChannel();
    channels.push(channel);
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
