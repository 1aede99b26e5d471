import type { Backend } from '../../ports/backend.ts';
import { BroadcastSoldOutSignal } from '../local/broadcast-sold-out-signal.ts';
import { type Durability, openEmbeddedDatabase } from './database.ts';
import { GroupCommit } from './group-commit.ts';
import { SqliteEventQueue } from './sqlite-event-queue.ts';
import { SqliteOrderStore } from './sqlite-order-store.ts';
import { SqliteStockLedger } from './sqlite-stock-ledger.ts';

/** The embedded shape: ledger, orders and queue in one SQLite file, owned by one process. */
export function openEmbeddedBackend(options: { path: string; durability: Durability }): Backend {
  const db = openEmbeddedDatabase(options);
  const writes = new GroupCommit(db);
  const soldOut = new BroadcastSoldOutSignal();
  return {
    name: 'embedded',
    ledger: new SqliteStockLedger(db, writes),
    orders: new SqliteOrderStore(db, writes),
    queue: new SqliteEventQueue(db, writes),
    soldOut,
    close: async () => {
      await soldOut.close();
      db.close();
    },
  };
}
