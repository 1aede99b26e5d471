import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from './schema.ts';

/**
 * FULL: every acknowledged write is on disk (survives power loss); NORMAL
 * survives a killed process, not a lost machine. The connection itself runs
 * with `synchronous = NORMAL` either way: under FULL the store syncs the WAL
 * after each batch commit off the event loop (WalSync) and answers only then.
 */
export type Durability = 'full' | 'normal';

export interface EmbeddedDatabaseOptions {
  readonly path: string;
  readonly durability: Durability;
}

/** Opens (creating if needed) the SQLite file in WAL mode and brings its schema up to date. */
export function openEmbeddedDatabase(options: EmbeddedDatabaseOptions): DatabaseSync {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  db.exec('PRAGMA journal_mode = WAL');
  // An in-memory database has no WAL to sync: FULL there is SQLite's own.
  const syncedByStore = options.durability === 'normal' || options.path !== ':memory:';
  db.exec(`PRAGMA synchronous = ${syncedByStore ? 'NORMAL' : 'FULL'}`);
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  for (let version = row.user_version; version < MIGRATIONS.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw new Error(`embedded store: migration ${version + 1} failed`, { cause: error });
    }
  }
}
