import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastSoldOutSignal } from '../../../../../src/adapters/memory/broadcast-sold-out-signal.ts';
import type { SoldOutListener, SoldOutSignal } from '../../../../../src/ports/sold-out-signal.ts';
import { ThreadsSoldOutSignal } from '../../../../../src/runtime/node/threads/threads-sold-out-signal.ts';

type News = [saleId: string, soldOut: boolean];

/** The other processes of a deployment, as Redis would carry them: announcements out, news in. */
class DeploymentSignal implements SoldOutSignal {
  readonly sent: News[] = [];
  readonly #listeners = new Set<SoldOutListener>();
  announce(saleId: string, soldOut: boolean): void {
    this.sent.push([saleId, soldOut]);
  }
  subscribe(listener: SoldOutListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Another process announced. */
  deliver(saleId: string, soldOut: boolean): void {
    for (const listener of this.#listeners) listener(saleId, soldOut);
  }
  async close(): Promise<void> {}
}

/** Resolves with what `signal` heard once it heard `count` messages; fails after 2 s. */
function hear(signal: SoldOutSignal, count: number): Promise<News[]> {
  const heard: News[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`heard ${JSON.stringify(heard)}`)), 2_000);
    signal.subscribe((saleId, soldOut) => {
      heard.push([saleId, soldOut]);
      if (heard.length < count) return;
      clearTimeout(timer);
      resolve(heard);
    });
  });
}

/** The main thread's signal in a shape whose news goes between processes (cluster), and an HTTP thread's. */
describe("sold-out news between a process's threads and the other processes", () => {
  const closing: SoldOutSignal[] = [];
  let name = 0;
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((signal) => signal.close()));
  });

  function process() {
    const channel = `test:sold-out:${globalThis.process.pid}:${name++}`;
    const deployment = new DeploymentSignal();
    const main = new ThreadsSoldOutSignal(deployment, new BroadcastSoldOutSignal(channel));
    const thread = new BroadcastSoldOutSignal(channel);
    closing.push(main, thread);
    return { deployment, main, thread };
  }

  it("passes another process's news to the threads and to the main thread's board", async () => {
    const { deployment, main, thread } = process();
    const threadHeard = hear(thread, 2);
    const mainHeard = hear(main, 2);
    deployment.deliver('s-1', true);
    deployment.deliver('s-1', false);
    expect(await threadHeard).toEqual([
      ['s-1', true],
      ['s-1', false],
    ]);
    expect(await mainHeard).toEqual([
      ['s-1', true],
      ['s-1', false],
    ]);
    // Nothing is sent back to the processes it came from.
    expect(deployment.sent).toEqual([]);
  });

  it("passes a thread's news to the other processes and to the main thread's board", async () => {
    const { deployment, main, thread } = process();
    const mainHeard = hear(main, 1);
    thread.announce('s-2', true);
    expect(await mainHeard).toEqual([['s-2', true]]);
    expect(deployment.sent).toEqual([['s-2', true]]);
  });

  it("sends the main thread's news to the other processes and to the threads", async () => {
    const { deployment, main, thread } = process();
    const threadHeard = hear(thread, 1);
    main.announce('s-3', false);
    expect(await threadHeard).toEqual([['s-3', false]]);
    expect(deployment.sent).toEqual([['s-3', false]]);
  });

  it('is needed only where the shape signal does not reach the threads', async () => {
    const local = new BroadcastSoldOutSignal(`test:sold-out:${globalThis.process.pid}:local`);
    closing.push(local);
    expect(ThreadsSoldOutSignal.reachesThreads(local)).toBe(true);
    expect(ThreadsSoldOutSignal.reachesThreads(new DeploymentSignal())).toBe(false);
  });
});
