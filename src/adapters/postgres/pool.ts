import pg from 'pg';
import { migrateOrderSchema } from './migrate.ts';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A pg pool whose sessions work in `schema` (search_path), with the schema
 * migrated before first use. A server that goes away only fails the queries
 * of the moment: idle clients that break are dropped and reported to `onError`.
 */
export async function openOrderPool(
  options: { url: string; schema: string; max?: number },
  onError: (error: Error) => void,
): Promise<pg.Pool> {
  if (!SCHEMA_NAME.test(options.schema)) {
    throw new Error(`postgres: schema name ${JSON.stringify(options.schema)} must match ${SCHEMA_NAME}`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    options: `-c search_path=${options.schema}`,
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', onError);
  const client = await pool.connect();
  try {
    await migrateOrderSchema(client, options.schema);
  } finally {
    client.release();
  }
  return pool;
}
