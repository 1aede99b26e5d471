import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { DeadLetter, EventQueue, QueueDepth, QueuedEvent } from '../../ports/event-queue.ts';
import { LuaScript } from './lua-script.ts';
import type { RedisKeys } from './redis-keys.ts';
import { entryFields, type RawEntry } from './stream-entries.ts';

/** The subset of an ioredis client the queue needs. */
export type QueueRedis = Pick<
  Redis,
  | 'evalsha'
  | 'eval'
  | 'xadd'
  | 'xgroup'
  | 'xreadgroup'
  | 'xpending'
  | 'xclaim'
  | 'xrange'
  | 'xlen'
  | 'zcard'
  | 'zrange'
>;

export interface RedisEventQueueOptions {
  /** A delivered event not acked for this long belongs to a crashed worker and is taken over. */
  readonly claimIdleMs: number;
  /** Unique per process; defaults to host, pid and a random suffix. */
  readonly consumer?: string;
}

const GROUP = 'order-workers';

const scripts = {
  ack: new LuaScript('ack.lua'),
  promoteDue: new LuaScript('promote-due.lua'),
  retryLater: new LuaScript('retry-later.lua'),
  deadLetter: new LuaScript('dead-letter.lua'),
  redrive: new LuaScript('redrive.lua'),
};

/**
 * The order pipeline on a Redis Stream read by one consumer group: every
 * worker process is a consumer. An event is acked (and deleted) only after
 * the worker applied it; one still pending after `claimIdleMs` is claimed by
 * another worker (XPENDING + XCLAIM), its earlier deliveries counting as
 * failed attempts. Retries wait in a sorted set by due time; dead letters go
 * to a second stream, from which `redrive` puts them back.
 */
export class RedisEventQueue implements EventQueue {
  readonly #redis: QueueRedis;
  readonly #keys: RedisKeys;
  readonly #claimIdleMs: number;
  readonly #consumer: string;
  /** Attempts of the events this consumer was handed, by entry id. */
  readonly #attempts = new Map<string, number>();
  #acks: { readonly ids: string[]; readonly done: Promise<void> } | undefined;

  constructor(redis: QueueRedis, keys: RedisKeys, options: RedisEventQueueOptions) {
    this.#redis = redis;
    this.#keys = keys;
    this.#claimIdleMs = options.claimIdleMs;
    this.#consumer =
      options.consumer ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Creates the stream and its consumer group if they do not exist yet. */
  async ensureGroup(): Promise<void> {
    try {
      await this.#redis.xgroup('CREATE', this.#keys.events(), GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }

  async publish(topic: string, body: string, _now: number): Promise<string> {
    const id = await this.#redis.xadd(
      this.#keys.events(),
      '*',
      'topic',
      topic,
      'body',
      body,
      'attempts',
      '0',
    );
    return id!;
  }

  async receive(max: number, now: number): Promise<QueuedEvent[]> {
    try {
      return await this.#receive(max, now);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOGROUP')) throw error;
      await this.ensureGroup();
      return this.#receive(max, now);
    }
  }

  /** Acks asked for in the same turn of the event loop go to Redis as one call (up to 1,000 ids). */
  ack(id: string): Promise<void> {
    this.#attempts.delete(id);
    let batch = this.#acks;
    if (batch === undefined || batch.ids.length >= 1000) {
      const ids: string[] = [];
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        if (this.#acks === batch) this.#acks = undefined;
        await scripts.ack.run(this.#redis, [this.#keys.events()], [GROUP, ...ids]);
      });
      batch = { ids, done };
      this.#acks = batch;
    }
    batch.ids.push(id);
    return batch.done;
  }

  async retryLater(id: string, error: string, at: number): Promise<void> {
    const attempts = (this.#attempts.get(id) ?? 0) + 1;
    await scripts.retryLater.run(
      this.#redis,
      [this.#keys.events(), this.#keys.delayedEvents()],
      [GROUP, id, at, attempts, error],
    );
    this.#attempts.delete(id);
  }

  async deadLetter(id: string, error: string, now: number): Promise<void> {
    const attempts = (this.#attempts.get(id) ?? 0) + 1;
    await scripts.deadLetter.run(
      this.#redis,
      [this.#keys.events(), this.#keys.deadLetters()],
      [GROUP, id, attempts, error, now],
    );
    this.#attempts.delete(id);
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const entries = (await this.#redis.xrange(
      this.#keys.deadLetters(),
      '-',
      '+',
      'COUNT',
      limit,
    )) as RawEntry[];
    return entries.map(([id, raw]) => {
      const fields = entryFields(raw ?? []);
      return {
        id,
        topic: fields.topic ?? '',
        body: fields.body ?? '',
        attempts: Number(fields.attempts ?? 0),
        lastError: fields.lastError ?? '',
        failedAt: Number(fields.failedAt ?? 0),
      };
    });
  }

  async redrive(id: string, _now: number): Promise<boolean> {
    if (!/^\d+-\d+$/.test(id)) return false;
    const done = await scripts.redrive.run(
      this.#redis,
      [this.#keys.deadLetters(), this.#keys.events()],
      [id],
    );
    return done === 1;
  }

  async depth(): Promise<QueueDepth> {
    const [streamed, delayed, dead, first] = await Promise.all([
      this.#redis.xlen(this.#keys.events()),
      this.#redis.zcard(this.#keys.delayedEvents()),
      this.#redis.xlen(this.#keys.deadLetters()),
      this.#redis.xrange(this.#keys.events(), '-', '+', 'COUNT', 1) as Promise<RawEntry[]>,
    ]);
    // Handled entries are deleted, so the first left is the oldest; its id starts with its time in ms.
    const firstId = first[0]?.[0];
    return {
      pending: streamed + delayed,
      dead,
      oldestPendingAt: firstId === undefined ? undefined : Number(firstId.split('-', 1)[0]),
    };
  }

  /**
   * The stream's first entry, and the retries parked in the delayed set (the
   * 100 due first), each timed by its stream id: Redis's clock when the entry
   * was added.
   */
  async oldestPendingAt(): Promise<number | null> {
    const [first, delayed] = await Promise.all([
      this.#redis.xrange(this.#keys.events(), '-', '+', 'COUNT', '1'),
      this.#redis.zrange(this.#keys.delayedEvents(), '0', '99'),
    ]);
    const times = [
      ...first.map(([id]) => id),
      ...delayed.map((member) => (JSON.parse(member) as { id: string }).id),
    ].map((id) => Number(id.split('-', 1)[0]));
    return times.length === 0 ? null : Math.min(...times);
  }

  async #receive(max: number, now: number): Promise<QueuedEvent[]> {
    const stream = this.#keys.events();
    await scripts.promoteDue.run(this.#redis, [this.#keys.delayedEvents(), stream], [now, max]);
    const events = await this.#claimAbandoned(max);
    if (events.length < max) {
      const reply = (await this.#redis.xreadgroup(
        'GROUP',
        GROUP,
        this.#consumer,
        'COUNT',
        max - events.length,
        'STREAMS',
        stream,
        '>',
      )) as Array<[string, RawEntry[]]> | null;
      for (const [id, raw] of reply?.[0]?.[1] ?? []) {
        if (raw !== null) events.push(this.#handOut(id, raw, 0));
      }
    }
    return events;
  }

  /** Entries delivered to a consumer that has not acked them for `claimIdleMs`: it crashed or hangs. */
  async #claimAbandoned(max: number): Promise<QueuedEvent[]> {
    const stream = this.#keys.events();
    const pending = (await this.#redis.xpending(
      stream,
      GROUP,
      'IDLE',
      this.#claimIdleMs,
      '-',
      '+',
      max,
    )) as Array<[string, string, number, number]>;
    if (pending.length === 0) return [];
    const deliveries = new Map(pending.map(([id, , , count]) => [id, Number(count)]));
    const claimed = (await this.#redis.xclaim(
      stream,
      GROUP,
      this.#consumer,
      this.#claimIdleMs,
      ...pending.map(([id]) => id),
    )) as RawEntry[];
    const events: QueuedEvent[] = [];
    for (const entry of claimed) {
      if (entry === null) continue;
      const [id, raw] = entry;
      if (raw === null) continue;
      events.push(this.#handOut(id, raw, deliveries.get(id) ?? 1));
    }
    return events;
  }

  #handOut(id: string, raw: string[], abandonedDeliveries: number): QueuedEvent {
    const fields = entryFields(raw);
    const attempts = Number(fields.attempts ?? 0) + abandonedDeliveries;
    this.#attempts.set(id, attempts);
    return { id, topic: fields.topic ?? '', body: fields.body ?? '', attempts };
  }
}
