import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { openDynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { DynamoStockLedger } from '../../src/adapters/dynamodb/dynamo-stock-ledger.ts';
import { saleToItem } from '../../src/adapters/dynamodb/ledger-items.ts';
import { RedisKeys } from '../../src/adapters/redis/redis-keys.ts';
import { openEmbeddedDatabase } from '../../src/adapters/sqlite/database.ts';
import { MIGRATIONS } from '../../src/adapters/sqlite/schema.ts';
import type { Sale } from '../../src/domain/sale.ts';
import { openEmbeddedBackend } from '../../src/shapes/embedded.ts';
import {
  openTestClusterBackend,
  sharedRedisUrl,
  sharedServicesAvailable,
  uniqueNamespace,
} from '../support/cluster-services.ts';
import { saleFixture } from '../support/fixtures.ts';
import { localClientConfig, startLocalAws } from '../support/local-aws.ts';

// The conformance suite reads a sale back through the process that opened it (which may keep it in
// memory); these read it from the store alone: another process, or a sale written before the field.

const guarded = (id: string): Sale => ({
  ...saleFixture,
  id,
  endsAt: Date.now() + 3_600_000,
  purchaseToken: true,
});
const { purchaseToken: _none, ...legacy } = saleFixture;

describe('SQLite keeps purchaseToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('across a restart', async () => {
    const path = join(dir, 'restart.db');
    const first = openEmbeddedBackend({ path, durability: 'normal' });
    await first.ledger.openSale(guarded('s-1'));
    await first.close();
    const second = openEmbeddedBackend({ path, durability: 'normal' });
    expect((await second.ledger.getSale('s-1'))?.sale.purchaseToken).toBe(true);
    await second.close();
  });

  it('migrates a store from before the field: its sales need no token', async () => {
    const path = join(dir, 'old.db');
    const old = new DatabaseSync(path);
    for (const migration of MIGRATIONS.slice(0, -1)) old.exec(migration);
    old.exec(`PRAGMA user_version = ${MIGRATIONS.length - 1}`);
    old
      .prepare(
        `INSERT INTO sales (id, sku, name, stock, available, starts_at, ends_at, per_user_limit, price_cents,
           currency, payment_window_seconds, created_at) VALUES ('old', 'S', 'N', 5, 5, 0, 1, 1, 0, 'EUR', 60, 0)`,
      )
      .run();
    old.close();
    openEmbeddedDatabase({ path, durability: 'normal' }).close();
    const backend = openEmbeddedBackend({ path, durability: 'normal' });
    expect((await backend.ledger.getSale('old'))?.sale.purchaseToken).toBe(false);
    await backend.close();
  });
});

const clusterAvailable = await sharedServicesAvailable();

describe.skipIf(!clusterAvailable)('Redis keeps purchaseToken', () => {
  it('for another process, and reads a sale written before the field as needing none', async () => {
    const namespace = uniqueNamespace();
    const writer = await openTestClusterBackend(namespace);
    const reader = await openTestClusterBackend(namespace);
    const redis = new Redis(sharedRedisUrl);
    try {
      await writer.ledger.openSale(guarded('s-1'));
      expect((await reader.ledger.getSale('s-1'))?.sale.purchaseToken).toBe(true);
      await redis.hset(new RedisKeys(namespace.redisPrefix).sale('old'), {
        json: JSON.stringify({ ...legacy, id: 'old' }),
        startsAt: legacy.startsAt,
        endsAt: legacy.endsAt,
        perUserLimit: legacy.perUserLimit,
        shards: 1,
      });
      expect((await reader.ledger.getSale('old'))?.sale.purchaseToken).toBe(false);
    } finally {
      redis.disconnect();
      await reader.close();
      await writer.close();
    }
  });
});

describe('DynamoDB keeps purchaseToken', () => {
  it('for another process, and reads a sale written before the field as needing none', async () => {
    const aws = await startLocalAws();
    const client = openDynamoDb(localClientConfig(aws.dynamodbEndpoint));
    try {
      const { ledgerTable } = await aws.createResources();
      const ledger = () =>
        new DynamoStockLedger({ client, tableName: ledgerTable, stockShards: 1, relay: async () => {} });
      await ledger().openSale(guarded('s-1'));
      expect((await ledger().getSale('s-1'))?.sale.purchaseToken).toBe(true);
      const { purchaseToken: _dropped, ...oldItem } = saleToItem({ ...guarded('old'), shards: 1 });
      await client.send('PutItem', { TableName: ledgerTable, Item: oldItem });
      expect((await ledger().getSale('old'))?.sale.purchaseToken).toBe(false);
    } finally {
      await aws.stop();
    }
  });
});
