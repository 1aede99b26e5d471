import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * WAL frames (about 64 MiB of 4 KiB pages) past which the checkpoint thread
 * makes the writer start the WAL over (see checkpoint-thread.ts).
 */
const RESTART_AFTER_FRAMES = 16_384;

export interface WalCheckpointerOptions {
  /** Between two checkpoints (250 ms). */
  readonly intervalMs?: number;
  /** WAL length, in frames, at which a checkpoint also restarts the WAL (RESTART_AFTER_FRAMES). */
  readonly restartAfterFrames?: number;
}

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
  constructor(path: string, onFailure: (error: Error) => void, options: WalCheckpointerOptions = {}) {
    const { intervalMs = 250, restartAfterFrames = RESTART_AFTER_FRAMES } = options;
    this.#worker = new Worker(new URL('./checkpoint-thread.ts', import.meta.url), {
      workerData: { path, intervalMs, restartAfterFrames },
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
