import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { BackendShape } from './shape.ts';

const configSchema = z.object({
  /** The SQLite file; absent: `flashsale.db` in the data directory. */
  database: z.string().optional(),
  /** full: every commit fsync'd; normal: survives a killed process, not a power loss. */
  durability: z.enum(['full', 'normal']).default('full'),
});

export type EmbeddedConfig = Readonly<z.output<typeof configSchema>>;

export function embeddedDatabasePath(config: EmbeddedConfig, dataDir: string): string {
  return config.database === undefined ? join(dataDir, 'flashsale.db') : resolve(config.database);
}

/** The embedded shape: ledger, orders and queue in one SQLite file, owned by one process. */
export const embeddedShape: BackendShape<typeof configSchema, 'embedded'> = {
  name: 'embedded',
  configSchema,
  // Its store is a file of its own: a first start gets something to buy.
  demoSaleByDefault: true,
  env: { database: 'DATABASE_PATH', durability: 'DURABILITY' },
  describe: (config, { dataDir }) => `embedded store: ${embeddedDatabasePath(config, dataDir)}`,
  async open(config, { dataDir }) {
    const { openEmbeddedBackend } = await import('./embedded.ts');
    return openEmbeddedBackend({
      path: embeddedDatabasePath(config, dataDir),
      durability: config.durability,
    });
  },
};
