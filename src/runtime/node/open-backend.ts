import type { Config } from '../../config.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Backend } from '../../ports/backend.ts';
import { openClusterBackend } from '../../shapes/cluster.ts';
import { openEmbeddedBackend } from '../../shapes/embedded.ts';

/** Opens the storage shape the configuration names. */
export async function openBackend(config: Config, logger: Logger): Promise<Backend> {
  if (config.backend === 'embedded') {
    return openEmbeddedBackend({ path: config.databasePath, durability: config.durability });
  }
  return openClusterBackend({
    ...config.cluster,
    onConnectionError: (error) => logger.log('warn', 'store connection trouble', { error }),
    onDurabilityGap: (gap) =>
      logger.log('warn', 'Redis does not fsync every write: acknowledged reservations are at risk', { gap }),
  });
}

/** Where the state lives, for the start-up banner (no credentials). */
export function describeStore(config: Config): string {
  if (config.backend === 'embedded') return `embedded store: ${config.databasePath}`;
  const redis = new URL(config.cluster.redisUrl);
  const postgres = new URL(config.cluster.databaseUrl);
  return `cluster store: Redis ${redis.host} (keys ${config.cluster.redisPrefix}*), PostgreSQL ${postgres.host}${postgres.pathname} (schema ${config.cluster.databaseSchema})`;
}
