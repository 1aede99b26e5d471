import { describe, expect, it } from 'vitest';
import {
  ConfirmationBatch,
  type ConfirmationWriter,
} from '../../../../src/adapters/postgres/confirmation-batch.ts';
import type { Reservation } from '../../../../src/domain/reservation.ts';

const reservation = (orderId: string): Reservation => ({
  id: `r-${orderId}`,
  orderId,
  saleId: 's',
  userId: 'u',
  quantity: 1,
  idempotencyKey: 'k',
  amountCents: 100,
  currency: 'EUR',
  state: 'held',
  releaseReason: null,
  createdAt: 0,
  expiresAt: 1,
  paidAt: null,
});

/** An in-memory order table behind the writer interface; `failBatches` makes multi-row inserts throw. */
function table(options: { failBatches?: boolean; bad?: string } = {}) {
  const rows = new Set<string>(['existing']);
  const calls = { many: 0, one: 0 };
  const writer: ConfirmationWriter = {
    async insertMany(items) {
      calls.many++;
      if (options.failBatches) throw new Error('batch failed');
      const created = new Set<string>();
      for (const { reservation } of items) {
        if (!rows.has(reservation.orderId)) {
          rows.add(reservation.orderId);
          created.add(reservation.orderId);
        }
      }
      return created;
    },
    async insertOne(r) {
      calls.one++;
      if (r.orderId === options.bad) throw new Error('bad row');
      if (rows.has(r.orderId)) return false;
      rows.add(r.orderId);
      return true;
    },
  };
  return { rows, calls, writer };
}

describe('ConfirmationBatch', () => {
  it('writes every confirmation asked for in the same turn with one insert, and says which it created', async () => {
    const { rows, calls, writer } = table();
    const batch = new ConfirmationBatch(writer);
    const results = await Promise.all(
      ['a', 'b', 'existing', 'a'].map((id) => batch.confirm(reservation(id), 5)),
    );
    expect(results).toEqual([true, true, false, false]);
    expect(calls).toEqual({ many: 1, one: 0 });
    expect([...rows].sort()).toEqual(['a', 'b', 'existing']);
  });

  it('tries each order alone when the batch fails, so one bad row fails only its own confirmation', async () => {
    const { calls, writer } = table({ failBatches: true, bad: 'bad' });
    const batch = new ConfirmationBatch(writer);
    const results = await Promise.allSettled(
      ['a', 'bad', 'b'].map((id) => batch.confirm(reservation(id), 5)),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual({ many: 1, one: 3 });
  });
});
