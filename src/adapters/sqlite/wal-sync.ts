import { close, fdatasync, openSync } from 'node:fs';

/** node:fs's fdatasync, or a stand-in that counts and delays (tests). */
export type Datasync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;

/**
 * Makes committed WAL frames durable off the event loop. The store's
 * connection commits with `synchronous = NORMAL` (frames written, not
 * synced), then the group commit asks for `sync()` and answers its writers
 * when it resolves: the same guarantee as `synchronous = FULL` (which is
 * NORMAL plus one sync of the WAL after each commit), but the fdatasync runs
 * on libuv's thread pool while the event loop decides the next batch.
 *
 * At most one fdatasync runs at a time; commits made meanwhile share the one
 * queued after it, which starts only once they are all written.
 */
export class WalSync {
  readonly #fd: number;
  readonly #datasync: Datasync;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  /** `walPath`: the database's `-wal` file, which exists once a connection has put it in WAL mode. */
  constructor(walPath: string, datasync: Datasync = fdatasync) {
    this.#fd = openSync(walPath, 'r');
    this.#datasync = datasync;
  }

  /** Resolves once every frame written before the call is on disk. */
  sync(): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const running = this.#running;
    if (running === undefined) return this.#start();
    const startAfter = () => {
      this.#queued = undefined;
      return this.#start();
    };
    this.#queued = running.then(startAfter, startAfter);
    return this.#queued;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#running, this.#queued]);
    await new Promise<void>((resolve, reject) =>
      close(this.#fd, (error) => (error ? reject(error) : resolve())),
    );
  }

  #start(): Promise<void> {
    const running = new Promise<void>((resolve, reject) =>
      this.#datasync(this.#fd, (error) => (error ? reject(error) : resolve())),
    );
    this.#running = running;
    const done = () => {
      if (this.#running === running) this.#running = undefined;
    };
    running.then(done, done);
    return running;
  }
}
