/**
 * Copies committed WAL pages into the database file from a thread of its
 * own (see WalCheckpointer), so the event loop that commits never does the
 * copy and its fsync. Its PASSIVE checkpoints never wait for, nor block, the
 * writer; the RESTART below holds it off for milliseconds, at long intervals.
 *
 * PASSIVE alone never shortens the WAL while a sale commits back to back:
 * the writer writes the WAL from its start again only when a transaction of
 * its begins with every frame already copied, and the commits made while a
 * checkpoint runs are never copied by it. So the WAL grew for as long as the
 * writes went on (250 MB for a 100,000-unit sale), every commit appended to
 * the file, and its fdatasync had the file's new size and blocks to write as
 * well. Once the WAL holds `restartAfterFrames`, the PASSIVE checkpoint is
 * followed by a RESTART one: it holds the writer off while it copies what
 * was committed since (milliseconds), and the next commit starts the WAL
 * over, rewriting blocks the file already has.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

interface CheckpointThreadData {
  readonly path: string;
  readonly intervalMs: number;
  readonly restartAfterFrames: number;
}

const { path, intervalMs, restartAfterFrames } = workerData as CheckpointThreadData;
const db = new DatabaseSync(path);
// How long the RESTART waits for the writer's transaction, and then for readers (a backup, say) while
// it holds the writer off: short, so a reader that stays never stalls the commits; the next turn tries again.
db.exec('PRAGMA busy_timeout = 20');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
const timer = setInterval(() => {
  try {
    // `log`: the frames in the WAL when the checkpoint began; `checkpointed`: those copied. Fewer copied
    // means a reader still reads older frames: a RESTART would only wait for it, holding the writer off.
    const { log, checkpointed } = checkpoint.get() as { log: number; checkpointed: number };
    if (log >= restartAfterFrames && checkpointed === log) restart.get();
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
