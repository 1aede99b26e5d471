import type { KeyFilterReader } from '../../adapters/memory/key-filter.ts';
import type { StockLedger } from '../../ports/stock-ledger.ts';

/**
 * The ledger as the HTTP path calls it, except that a key the shared filter
 * has certainly never seen is answered here: the losers of a sold-out sale
 * and the crowd before its start then cost an HTTP thread no message to the
 * main thread, and the main thread no timed store call (so the ledger's
 * `hasUsedKey` figures count the lookups the filter could not settle).
 * Every other call, and every key the filter may have seen, goes to the
 * ledger.
 */
export function keyFilteredLedger(ledger: StockLedger, usedKeys: KeyFilterReader): StockLedger {
  const hasUsedKey = async (userId: string, idempotencyKey: string): Promise<boolean> =>
    !usedKeys.certainlyAbsent(userId, idempotencyKey) && ledger.hasUsedKey(userId, idempotencyKey);
  // The ledger is a proxy (over a message port, or the timed store): every other method passes through as it is.
  return new Proxy(ledger, {
    get: (target, property, receiver) =>
      property === 'hasUsedKey' ? hasUsedKey : Reflect.get(target, property, receiver),
  });
}
