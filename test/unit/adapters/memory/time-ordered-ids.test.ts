import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { TimeOrderedIds } from '../../../../src/adapters/memory/time-ordered-ids.ts';

describe('TimeOrderedIds', () => {
  it('makes valid, unique UUIDv7 ids across many pool refills', () => {
    const ids = new TimeOrderedIds();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = ids.next();
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
      expect(id[19]).toMatch(/[89ab]/);
      seen.add(id);
    }
    expect(seen.size).toBe(20_000);
  });

  it('carries the time in its first 48 bits, so ids of later milliseconds sort after', () => {
    const ids = new TimeOrderedIds();
    const at = Date.UTC(2026, 10, 28, 10, 0, 0, 123);
    const id = ids.next(at);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    const later = [ids.next(at + 1), ids.next(at + 2), ids.next(at + 1000)];
    expect([...later, id].sort()).toEqual([id, ...later]);
  });
});
