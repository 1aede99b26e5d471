import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { busiestThread, type ThreadCpu, threadCpuSeconds } from '../../bench/stampede/process-cpu.ts';

const SPIN = 'const end = Date.now() + 1500; while (Date.now() < end);';

/** A node process whose main thread spins, or stays idle while a worker thread spins. */
async function spinning(where: 'main' | 'worker'): Promise<ChildProcess> {
  const code =
    where === 'main'
      ? `console.log('go'); ${SPIN}`
      : `const { Worker } = require('node:worker_threads');
         new Worker(${JSON.stringify(SPIN)}, { eval: true });
         console.log('go');`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

/** The busiest thread of the process over 600 ms of its spin. */
async function busiestOf(child: ChildProcess) {
  const before = threadCpuSeconds([child.pid!]);
  const started = performance.now();
  await sleep(600);
  const after = threadCpuSeconds([child.pid!]);
  return busiestThread(before, after, (performance.now() - started) / 1000);
}

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill();
  child = undefined;
});

describe('the busiest thread of a server', () => {
  it('is the main thread when the event loop spins', async () => {
    child = await spinning('main');
    const busiest = await busiestOf(child);
    expect(busiest?.name).toBe('main');
    expect(busiest?.ofOneCore).toBeGreaterThan(50);
  });

  it('is a worker thread, by its name, when the main thread idles beside it', async () => {
    child = await spinning('worker');
    const busiest = await busiestOf(child);
    expect(busiest?.name).toBe('WorkerThread');
    expect(busiest?.ofOneCore).toBeGreaterThan(50);
    // The main thread is read too, and it was not the busy one.
    const main = threadCpuSeconds([child.pid!]).get(`${child.pid}/${child.pid}`);
    expect(main?.name).toBe('main');
  });

  it('leaves out threads that started or ended between the readings', () => {
    const before = new Map<string, ThreadCpu>([
      ['1/1', { name: 'main', seconds: 2 }],
      ['1/2', { name: 'gone', seconds: 1 }],
    ]);
    const after = new Map<string, ThreadCpu>([
      ['1/1', { name: 'main', seconds: 2.5 }],
      ['1/3', { name: 'new', seconds: 9 }],
    ]);
    expect(busiestThread(before, after, 1)).toEqual({ name: 'main', ofOneCore: 50 });
    expect(busiestThread(before, after, 0)).toBeUndefined();
    expect(busiestThread(new Map(), after, 1)).toBeUndefined();
  });
});
