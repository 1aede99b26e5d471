import { describe, expect, it } from 'vitest';
import { timedStore } from '../../../src/observability/timed-store.ts';

class Store {
  readonly #rows = new Map<string, number>([['a', 1]]);
  async get(key: string): Promise<number | undefined> {
    return this.#rows.get(key);
  }
  async fail(): Promise<never> {
    throw new Error('store down');
  }
  name(): string {
    return 'store';
  }
}

describe('timedStore', () => {
  it('times every promise-returning method, resolved or rejected, on the store itself', async () => {
    const timings: Array<[string, number]> = [];
    const made: string[] = [];
    const store = timedStore(new Store(), (operation) => {
      made.push(operation);
      return (seconds) => timings.push([operation, seconds]);
    });
    expect(await store.get('a')).toBe(1);
    expect(await store.get('b')).toBeUndefined();
    await expect(store.fail()).rejects.toThrow('store down');
    expect(store.name()).toBe('store');
    expect(timings.map(([operation]) => operation)).toEqual(['get', 'get', 'fail']);
    for (const [, seconds] of timings) expect(seconds).toBeGreaterThanOrEqual(0);
    // One timer per operation, made on first use.
    expect(made).toEqual(['get', 'fail', 'name']);
    expect(store).toBeInstanceOf(Store);
  });
});
