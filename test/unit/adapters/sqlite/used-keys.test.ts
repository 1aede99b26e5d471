import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sale } from '../../../../src/domain/sale.ts';
import type { Backend } from '../../../../src/ports/backend.ts';
import { openEmbeddedBackend } from '../../../../src/shapes/embedded.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');

function sale(id: string, stock: number, startsAt: number): Sale {
  return {
    id,
    sku: id,
    name: id,
    stock,
    startsAt,
    endsAt: startsAt + 3_600_000,
    perUserLimit: 5,
    priceCents: 100,
    currency: 'EUR',
    paymentWindowSeconds: 900,
    purchaseToken: false,
    createdAt: T0 - 60_000,
  };
}

/** The ledger answers "never used" from memory; these check it never says so of a key the store holds. */
describe('embedded ledger: keys used before a restart', () => {
  const dirs: string[] = [];
  let backend: Backend | undefined;
  afterEach(async () => {
    await backend?.close();
    backend = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('a key used in one sale is still known after the store is reopened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'used-keys-'));
    dirs.push(dir);
    const path = join(dir, 'store.db');
    backend = openEmbeddedBackend({ path, durability: 'full' });
    await backend.ledger.openSale(sale('first', 10, T0));
    await backend.ledger.openSale(sale('later', 1, T0 + 3_600_000));
    const first = await backend.ledger.reserve({
      saleId: 'first',
      userId: 'ann',
      quantity: 1,
      idempotencyKey: 'k-1',
      now: T0 + 1_000,
    });
    expect(first.kind).toBe('reserved');
    await backend.close();

    backend = openEmbeddedBackend({ path, durability: 'full' });
    expect(await backend.ledger.hasUsedKey('ann', 'k-1')).toBe(true);
    expect(await backend.ledger.hasUsedKey('ann', 'k-2')).toBe(false);
    expect(await backend.ledger.hasUsedKey('bob', 'k-1')).toBe(false);
    // Before the later sale starts, the used key still answers with its own reservation (I5).
    const retried = await backend.ledger.reserve({
      saleId: 'later',
      userId: 'ann',
      quantity: 1,
      idempotencyKey: 'k-1',
      now: T0 + 2_000,
    });
    expect(retried.kind).toBe('idempotency_conflict');
    const fresh = await backend.ledger.reserve({
      saleId: 'later',
      userId: 'ann',
      quantity: 1,
      idempotencyKey: 'k-2',
      now: T0 + 2_000,
    });
    expect(fresh.kind).toBe('not_started');
  });

  it('every key reserved is known at once, and keys of a sold-out sale are told apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'used-keys-'));
    dirs.push(dir);
    backend = openEmbeddedBackend({ path: join(dir, 'store.db'), durability: 'normal' });
    await backend.ledger.openSale(sale('s', 300, T0));
    const reserved = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        backend!.ledger.reserve({
          saleId: 's',
          userId: `u${i % 100}`,
          quantity: 1,
          idempotencyKey: `key-${i}`,
          now: T0 + 1_000,
        }),
      ),
    );
    const kinds = reserved.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'reserved')).toHaveLength(300);
    for (let i = 0; i < 400; i++) {
      const used = await backend.ledger.hasUsedKey(`u${i % 100}`, `key-${i}`);
      expect(used).toBe(reserved[i]!.kind === 'reserved');
    }
  });
});
