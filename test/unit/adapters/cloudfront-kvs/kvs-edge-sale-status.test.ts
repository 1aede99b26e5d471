import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KvsEdgeSaleStatus } from '../../../../src/adapters/cloudfront-kvs/kvs-edge-sale-status.ts';
import { LOCAL_KVS_ARN, LocalKvs } from '../../../support/local-kvs.ts';

// The SDK's own requests (REST paths, If-Match, ETag headers, error types) against a local store.
describe('KvsEdgeSaleStatus (CloudFront KeyValueStore API)', () => {
  const kvs = new LocalKvs();
  let status: KvsEdgeSaleStatus;

  beforeAll(async () => {
    status = new KvsEdgeSaleStatus(LOCAL_KVS_ARN, await kvs.clientConfig());
  });
  afterAll(async () => {
    status.close();
    await kvs.stop();
  });
  beforeEach(() => {
    kvs.items.clear();
    kvs.calls.length = 0;
    kvs.algorithms.length = 0;
    kvs.fault.conflicts = 0;
    kvs.fault.down = false;
  });

  it('writes the keys and values the edge function reads', async () => {
    await status.publishStart('s1', 1_800_000_000_000);
    await status.publishSoldOut('s1', { until: 1_800_000_060_000 });
    expect(Object.fromEntries(kvs.items)).toEqual({
      'start:s1': '{"startsAt":1800000000000}',
      'sold_out:s1': '{"until":1800000060000}',
    });
    expect(await status.soldOutMark('s1')).toEqual({ until: 1_800_000_060_000 });
  });

  it('signs with SigV4A, as the global KeyValueStore endpoint requires', async () => {
    await status.soldOutMark('s1');
    expect(kvs.algorithms).toEqual(['AWS4-ECDSA-P256-SHA256']);
  });

  it('names the store ETag once, then the one each write returns', async () => {
    const fresh = new KvsEdgeSaleStatus(LOCAL_KVS_ARN, await kvs.clientConfig());
    await fresh.publishSoldOut('a', { until: 1 });
    await fresh.publishSoldOut('b', { until: 2 });
    await fresh.clearSoldOut('a');
    fresh.close();
    expect(kvs.calls).toEqual([
      'DescribeKeyValueStore',
      'PUT sold_out:a',
      'PUT sold_out:b',
      'DELETE sold_out:a',
    ]);
    expect(kvs.items.has('sold_out:a')).toBe(false);
  });

  it('writes again with a fresh ETag when another writer moved the store', async () => {
    await status.publishSoldOut('warm', { until: 1 });
    kvs.items.set('other', 'x');
    // Another writer's change: the ETag this client holds is stale now.
    await (async () => {
      const other = new KvsEdgeSaleStatus(LOCAL_KVS_ARN, await kvs.clientConfig());
      await other.publishStart('someone-else', 5);
      other.close();
    })();
    kvs.calls.length = 0;
    await status.publishSoldOut('s2', { until: 7 });
    expect(kvs.calls).toEqual(['PUT sold_out:s2', 'DescribeKeyValueStore', 'PUT sold_out:s2']);
    expect(kvs.items.get('sold_out:s2')).toBe('{"until":7}');
  });

  it('gives up after four conflicting writes in a row', async () => {
    kvs.fault.conflicts = 4;
    await expect(status.publishSoldOut('s3', { until: 7 })).rejects.toMatchObject({
      name: 'ConflictException',
    });
    expect(kvs.items.has('sold_out:s3')).toBe(false);
    kvs.fault.conflicts = 3;
    await status.publishSoldOut('s3', { until: 7 });
    expect(kvs.items.get('sold_out:s3')).toBe('{"until":7}');
  });

  it('clears a mark that is not there without an error, and reads no mark', async () => {
    await status.clearSoldOut('never-marked');
    expect(await status.soldOutMark('never-marked')).toBeUndefined();
  });

  it('reads a value it cannot understand as no mark', async () => {
    kvs.items.set('sold_out:odd', '{"until":"soon"}');
    expect(await status.soldOutMark('odd')).toBeUndefined();
  });

  it('lets a store that fails throw (the publisher decides what that means)', async () => {
    kvs.fault.down = true;
    await expect(status.soldOutMark('s1')).rejects.toThrow();
    await expect(status.publishStart('s1', 1)).rejects.toThrow();
  });
});
