// Reservations per second straight through the embedded ledger (no HTTP), with
// commits fsync'd (FULL) and not (NORMAL), one caller at a time versus many
// concurrent callers, so the effect of group commit shows. The full stampede
// benchmark over HTTP is separate work; this isolates the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedBackend } from '../src/shapes/embedded.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'flashsale-bench-'));

async function measure(durability: 'full' | 'normal', concurrency: number): Promise<number> {
  const backend = openEmbeddedBackend({ path: join(dir, `${durability}-${concurrency}.db`), durability });
  const now = Date.now();
  await backend.ledger.openSale({
    id: 'bench',
    sku: 'B',
    name: 'Bench',
    stock: 10_000_000,
    startsAt: now - 1,
    endsAt: now + 3_600_000,
    perUserLimit: 1,
    priceCents: 1,
    currency: 'EUR',
    paymentWindowSeconds: 600,
    purchaseToken: false,
    createdAt: now,
  });
  let done = 0;
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (performance.now() - started < SECONDS * 1000) {
      const result = await backend.ledger.reserve({
        saleId: 'bench',
        userId: `u${next++}`,
        quantity: 1,
        idempotencyKey: 'k',
        now: Date.now(),
      });
      if (result.kind !== 'reserved') throw new Error(`unexpected ${result.kind}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const rate = done / ((performance.now() - started) / 1000);
  await backend.close();
  return rate;
}

const rows: Array<{ durability: string; concurrency: number; perSecond: number }> = [];
for (const durability of ['full', 'normal'] as const) {
  for (const concurrency of [1, 256]) {
    process.stderr.write(`measuring ${durability} x${concurrency} for ${SECONDS}s...\n`);
    rows.push({ durability, concurrency, perSecond: Math.round(await measure(durability, concurrency)) });
  }
}
rmSync(dir, { recursive: true, force: true });
console.log('\ndurability  concurrency  reservations/s  vs one caller');
for (const row of rows) {
  const single = rows.find((r) => r.durability === row.durability && r.concurrency === 1)!.perSecond;
  console.log(
    `${row.durability.padEnd(11)}  ${String(row.concurrency).padStart(11)}  ${String(row.perSecond).padStart(14)}  ${(row.perSecond / single).toFixed(1).padStart(12)}x`,
  );
}
