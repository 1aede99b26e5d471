import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { PoolClient } from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Brings the schema up to date with node-pg-migrate (SQL files in
 * ./migrations, applied in order, recorded in `pgmigrations`). Processes that
 * start together wait for each other on the tool's advisory lock.
 */
export async function migrateOrderSchema(client: PoolClient, schema: string): Promise<string[]> {
  const applied = await runner({
    dbClient: client,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    schema,
    createSchema: true,
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: () => {},
  });
  return applied.map((migration) => migration.name);
}
