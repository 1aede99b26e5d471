/**
 * An async iterator fed by pushes: what a subscription returns. `end`
 * finishes it after the values already pushed; a consumer that stops early
 * (`return`) runs `onStop` once.
 */
export function pushQueue<T>(onStop: () => void): {
  readonly iterator: AsyncIterableIterator<T>;
  push(value: T): void;
  end(): void;
} {
  const values: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let ended = false;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    onStop();
  };
  const iterator: AsyncIterableIterator<T> = {
    next() {
      const value = values.shift();
      if (value !== undefined) return Promise.resolve({ value, done: false });
      if (ended) {
        stop();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      ended = true;
      values.length = 0;
      stop();
      const resolve = waiting;
      waiting = undefined;
      resolve?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return {
    iterator,
    push(value) {
      if (ended) return;
      const resolve = waiting;
      waiting = undefined;
      if (resolve === undefined) values.push(value);
      else resolve({ value, done: false });
    },
    end() {
      if (ended) return;
      ended = true;
      if (waiting !== undefined && values.length === 0) {
        const resolve = waiting;
        waiting = undefined;
        stop();
        resolve({ value: undefined, done: true });
      }
    },
  };
}
