import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { describeBackend } from '../../../src/shapes/registry.ts';

const run = promisify(execFile);

/** Starts the embedded shape in a fresh process and lists every module it resolved. */
async function modulesLoadedByEmbeddedShape(dataDir: string): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        loaded.push(result.url);
        return result;
      },
    });
    const { loadConfig } = await import('./src/config.ts');
    const { openBackend } = await import('./src/shapes/registry.ts');
    const config = loadConfig(['--data-dir', ${JSON.stringify(dataDir)}], {});
    const backend = await openBackend(config.backend, { dataDir: config.dataDir, logger: { log() {} } });
    await backend.close();
    process.stdout.write(JSON.stringify(loaded));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as string[];
}

describe('the shape registry', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-registry-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('opens the embedded shape without loading the drivers or adapters of the others', async () => {
    const loaded = await modulesLoadedByEmbeddedShape(dataDir);
    expect(loaded.filter((url) => url.includes('/src/adapters/sqlite/')).length).toBeGreaterThan(0);
    expect(
      loaded.filter((url) => /\/node_modules\/(ioredis|pg|pg-pool|node-pg-migrate|@aws-sdk)\//.test(url)),
    ).toEqual([]);
    expect(
      loaded.filter((url) =>
        /\/src\/(adapters\/(redis|postgres|dynamodb|sqs|sns)|shapes\/(cluster|aws)\.ts$)/.test(url),
      ),
    ).toEqual([]);
  });

  it('describes where each shape keeps its state, without credentials', () => {
    const embedded = loadConfig(['--data-dir', '/srv/flashsale'], {});
    expect(describeBackend(embedded.backend, embedded)).toBe('embedded store: /srv/flashsale/flashsale.db');
    const cluster = loadConfig(['--backend', 'cluster'], {
      REDIS_URL: 'rediss://:secret@cache.internal:6380',
      DATABASE_URL: 'postgres://app:hunter2@db.internal:5432/shop',
    });
    const banner = describeBackend(cluster.backend, cluster);
    expect(banner).toBe(
      'cluster store: Redis cache.internal:6380 (keys flashsale:*), PostgreSQL db.internal:5432/shop (schema flashsale)',
    );
  });
});
