/**
 * Copies committed WAL pages into the database file from a thread of its
 * own (see WalCheckpointer), so the event loop that commits never does the
 * copy and its fsync. PASSIVE: it never waits for, nor blocks, the writer.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

interface CheckpointThreadData {
  readonly path: string;
  readonly intervalMs: number;
}

const { path, intervalMs } = workerData as CheckpointThreadData;
const db = new DatabaseSync(path);
db.exec('PRAGMA busy_timeout = 1000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // Busy or locked: the next turn tries again; the WAL only grows meanwhile.
  }
}, intervalMs);

parentPort!.on('message', () => {
  clearInterval(timer);
  try {
    checkpoint.get();
  } finally {
    db.close();
    parentPort!.close();
  }
});
