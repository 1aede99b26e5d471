import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { SharedWindows } from '../../../../src/adapters/memory/shared-windows.ts';

/** The rule with nothing to run out of: a window per key, opened by the first attempt after the last ended. */
class ModelWindows {
  readonly #windows = new Map<string, { endsAt: number; count: number }>();

  count(space: string, key: string, durationMs: number, now: number) {
    const name = `${space}\u0000${key}`;
    const open = this.#windows.get(name);
    if (open === undefined || open.endsAt <= now) {
      this.#windows.set(name, { endsAt: now + durationMs, count: 1 });
      return { count: 1, msLeft: durationMs };
    }
    open.count += 1;
    return { count: open.count, msLeft: open.endsAt - now };
  }
}

const attempt = fc.record({
  space: fc.constantFrom('user', 'user-burst', 'client'),
  key: fc.integer({ min: 0, max: 9 }).map((n) => `key-${n}`),
  durationMs: fc.constantFrom(1_000, 2_000, 10_000),
  advanceMs: fc.oneof(
    { weight: 4, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 1_500 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_500, max: 12_000 }) },
  ),
});

describe('SharedWindows against the rule it keeps', () => {
  // 32 slots for at most 30 keys: a key's 32 probes see the whole table and always find its slot or a free one, so every
  // attempt is counted, and each answer must be the model's, through windows ending and slots taken again.
  it.prop([fc.array(attempt, { minLength: 100, maxLength: 400, size: 'max' })])(
    'counts every attempt as a window per key would, with slots reused as windows end',
    (attempts) => {
      const windows = new SharedWindows(SharedWindows.allocate(32));
      const model = new ModelWindows();
      let now = Date.parse('2026-11-28T10:00:00Z');
      for (const { space, key, durationMs, advanceMs } of attempts) {
        now += advanceMs;
        expect(windows.count(space, key, durationMs, now)).toEqual(model.count(space, key, durationMs, now));
      }
    },
  );
});
