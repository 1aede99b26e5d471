import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastOrderFeed } from '../../src/adapters/memory/broadcast-order-feed.ts';
import { RedisKeys } from '../../src/adapters/redis/redis-keys.ts';
import { RedisOrderFeed } from '../../src/adapters/redis/redis-order-feed.ts';
import type { OrderChangeFeed } from '../../src/ports/order-change-feed.ts';
import type { OrderNotification } from '../../src/ports/order-notifier.ts';
import { sharedRedisUrl, sharedServicesAvailable, uniqueNamespace } from '../support/cluster-services.ts';

const available = await sharedServicesAvailable();

const change = (orderId: string, status: OrderNotification['status']): OrderNotification => ({
  orderId,
  reservationId: `r-${orderId}`,
  saleId: 's',
  userId: 'u',
  quantity: 1,
  amountCents: 100,
  currency: 'EUR',
  status,
  at: 1_000,
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** Two ends of one feed (two threads, two processes): one publishes, the other watches. */
function feedContract(name: string, open: () => Promise<[OrderChangeFeed, OrderChangeFeed]>, skip = false) {
  describe.skipIf(skip)(`${name} order feed`, () => {
    let feeds: OrderChangeFeed[] = [];
    afterEach(async () => {
      await Promise.all(feeds.map((feed) => feed.close()));
      feeds = [];
    });

    it('hands a watcher the changes of its order published elsewhere, and only those, until it stops', async () => {
      const [publisher, watcher] = await open();
      feeds = [publisher, watcher];
      const heard: OrderNotification[] = [];
      const stop = await watcher.watch('o-1', (c) => heard.push(c));
      await publisher.orderChanged(change('o-1', 'confirmed'));
      await publisher.orderChanged(change('o-2', 'confirmed'));
      await settle();
      expect(heard).toEqual([change('o-1', 'confirmed')]);
      stop();
      await settle();
      await publisher.orderChanged(change('o-1', 'paid'));
      await settle();
      expect(heard.map((c) => c.status)).toEqual(['confirmed']);
    });

    it('tells every watcher of an order, on either end', async () => {
      const [publisher, watcher] = await open();
      feeds = [publisher, watcher];
      const heard: string[] = [];
      await watcher.watch('o-3', (c) => heard.push(`far:${c.status}`));
      const stopNear = await publisher.watch('o-3', (c) => heard.push(`near:${c.status}`));
      await publisher.orderChanged(change('o-3', 'paid'));
      await settle();
      expect(heard.sort()).toEqual(['far:paid', 'near:paid']);
      stopNear();
    });
  });
}

feedContract('in-process (BroadcastChannel)', async () => {
  const name = `test-order-feed-${Math.random()}`;
  return [new BroadcastOrderFeed(name), new BroadcastOrderFeed(name)];
});

describe('in-process feed of one thread (no channel)', () => {
  it('listens only while someone watches, and then tells them', async () => {
    const feed = new BroadcastOrderFeed();
    expect(feed.listening()).toBe(false);
    const heard: string[] = [];
    const stop = await feed.watch('o-1', (c) => heard.push(c.status));
    expect(feed.listening()).toBe(true);
    await feed.orderChanged(change('o-1', 'confirmed'));
    await settle();
    expect(heard).toEqual(['confirmed']);
    stop();
    expect(feed.listening()).toBe(false);
    await feed.orderChanged(change('o-1', 'paid'));
    await settle();
    expect(heard).toEqual(['confirmed']);
    await feed.close();
  });
});

feedContract(
  'Redis pub/sub',
  async () => {
    const keys = new RedisKeys(uniqueNamespace().redisPrefix);
    const publisher = new Redis(sharedRedisUrl);
    const ends = [0, 1].map(() => new RedisOrderFeed(publisher, new Redis(sharedRedisUrl), keys));
    // The publishing connection goes with the first end.
    const first = ends[0]!;
    const close = first.close.bind(first);
    first.close = async () => {
      await close();
      publisher.disconnect();
    };
    return [first, ends[1]!];
  },
  !available,
);
