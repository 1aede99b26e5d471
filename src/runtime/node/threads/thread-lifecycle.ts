import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';

/** Resolves when the thread posts `ready`; rejects if it exits first (`what` names it in the error). */
export function whenThreadReady(worker: Worker, ready: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (message !== ready) return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number) => reject(new Error(`${what} exited with ${code} before it was ready`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

/**
 * Asks the thread to stop (`stop` message) and waits for it to exit; the
 * thread winds down on its own within `deadlineMs`, and is terminated 2 s
 * after that as a backstop.
 */
export async function stopThread(worker: Worker, stop: string, deadlineMs: number): Promise<void> {
  const exited = once(worker, 'exit');
  worker.postMessage(stop);
  const timer = setTimeout(() => void worker.terminate(), deadlineMs + 2_000);
  await exited;
  clearTimeout(timer);
}
