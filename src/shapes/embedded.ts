import { BroadcastOrderFeed } from '../adapters/memory/broadcast-order-feed.ts';
import { BroadcastSoldOutSignal } from '../adapters/memory/broadcast-sold-out-signal.ts';
import { type Durability, openEmbeddedDatabase } from '../adapters/sqlite/database.ts';
import { GroupCommit } from '../adapters/sqlite/group-commit.ts';
import { ReservationLog } from '../adapters/sqlite/reservation-log.ts';
import { SqliteEventQueue } from '../adapters/sqlite/sqlite-event-queue.ts';
import { SqliteOrderProjection } from '../adapters/sqlite/sqlite-order-projection.ts';
import { SqliteOrderStore } from '../adapters/sqlite/sqlite-order-store.ts';
import { SqliteStockLedger } from '../adapters/sqlite/sqlite-stock-ledger.ts';
import { WalCheckpointer } from '../adapters/sqlite/wal-checkpointer.ts';
import { WalSync } from '../adapters/sqlite/wal-sync.ts';
import type { Backend } from '../ports/backend.ts';

/** The embedded shape: ledger, orders and queue in one SQLite file, owned by one process. */
export function openEmbeddedBackend(options: { path: string; durability: Durability }): Backend {
  const db = openEmbeddedDatabase(options);
  // FULL: commits write the WAL without syncing it; the group commit answers after WalSync's fdatasync.
  const walSync =
    options.durability === 'full' && options.path !== ':memory:'
      ? new WalSync(`${options.path}-wal`)
      : undefined;
  const writes = new GroupCommit(db, walSync === undefined ? undefined : () => walSync.sync());
  let checkpointer: WalCheckpointer | undefined;
  if (options.path !== ':memory:') {
    db.exec('PRAGMA wal_autocheckpoint = 0');
    checkpointer = new WalCheckpointer(options.path, () => {
      if (db.isOpen) db.exec('PRAGMA wal_autocheckpoint = 1000');
    });
  }
  const soldOut = new BroadcastSoldOutSignal();
  const createdEvents = new ReservationLog(db, writes);
  const orderFeed = new BroadcastOrderFeed();
  const ledger = new SqliteStockLedger(db, writes);
  return {
    name: 'embedded',
    ledger,
    usedKeys: ledger.usedKeys,
    orders: new SqliteOrderStore(db, writes),
    queue: new SqliteEventQueue(db, writes, createdEvents),
    orderProjection: new SqliteOrderProjection(db, writes, createdEvents),
    soldOut,
    orderFeed,
    close: async () => {
      await soldOut.close();
      await orderFeed.close();
      db.close();
      await walSync?.close();
      await checkpointer?.close();
    },
  };
}
