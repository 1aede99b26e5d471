import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * Moves WAL checkpoints off the committing thread: the store's connection
 * runs with `wal_autocheckpoint = 0`, and a thread with its own connection
 * checkpoints every `intervalMs`. Left to SQLite, every ~1,000 pages one
 * commit would copy them into the database file and fsync it before the
 * event loop could answer anyone.
 */
export class WalCheckpointer {
  readonly #worker: Worker;

  /** `onFailure`: the thread died; the caller turns SQLite's own checkpoints back on. */
  constructor(path: string, onFailure: (error: Error) => void, intervalMs = 250) {
    this.#worker = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), {
      workerData: { path, intervalMs },
      // The process's own flags (--input-type, --cpu-prof…) are not this thread's business.
      execArgv: [],
    });
    this.#worker.on('error', onFailure);
    this.#worker.unref();
  }

  /** A last checkpoint, then the thread ends. */
  async close(): Promise<void> {
    if (this.#worker.threadId === -1) return;
    const exited = once(this.#worker, 'exit');
    // Keeps the process alive until the last checkpoint is done.
    this.#worker.ref();
    this.#worker.postMessage('close');
    await exited;
  }
}
