import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '../../test/support/http-client.ts';
import {
  answersBetween,
  latencyQuantileBetween,
  parseServerMetrics,
  purchasesBetween,
  type ServerMetrics,
} from './server-metrics.ts';
import type { TimelinePoint } from './types.ts';

const SALE_POLL_MS = 100;
const METRICS_EVERY_MS = 1000;

/** The bench's view of the real server while the crowd presses Buy. */
export interface ServerWatch {
  /** Resolves when GET /v1/sales/{id} first says no unit is left. */
  readonly soldOut: Promise<void>;
  /** Units left, as the sale last said. */
  available(): number | undefined;
  /** The newest point of the timeline. */
  latest(): TimelinePoint | undefined;
  /** Stops sampling; resolves with one point a second. */
  stop(): Promise<TimelinePoint[]>;
}

/**
 * Polls the sale every 100 ms (to see the sell-out as it happens) and reads
 * /metrics every second from `originMs` on (throughput, outcomes, latency
 * and the order worker's backlog over time). Seconds count from `originMs`.
 */
export function watchServer(url: string, saleId: string, originMs: number): ServerWatch {
  let running = true;
  let available: number | undefined;
  let markSoldOut: () => void = () => {};
  const soldOut = new Promise<void>((resolve) => {
    markSoldOut = resolve;
  });

  const pollSale = async () => {
    while (running) {
      const started = Date.now();
      try {
        const sale = await api(url, `/v1/sales/${saleId}`);
        if (sale.status === 200 && typeof sale.json?.available === 'number') {
          available = sale.json.available as number;
          if (available === 0) markSoldOut();
        }
      } catch {
        // A missed poll is retried on the next tick.
      }
      await sleep(Math.max(0, SALE_POLL_MS - (Date.now() - started)));
    }
  };

  const timeline: TimelinePoint[] = [];
  const readMetrics = async (): Promise<ServerMetrics | undefined> => {
    try {
      const response = await api(url, '/metrics');
      return response.status === 200 ? parseServerMetrics(response.text) : undefined;
    } catch {
      return undefined;
    }
  };
  const sampleMetrics = async () => {
    await sleep(Math.max(0, originMs - Date.now()));
    // A reading is dated when it was asked for: under load the answer can take long to arrive.
    let previousAt = Date.now();
    let previous = await readMetrics();
    for (let tick = 1; running; tick++) {
      await sleep(Math.max(0, originMs + tick * METRICS_EVERY_MS - Date.now()));
      if (!running) break;
      const at = Date.now();
      const current = await readMetrics();
      if (current === undefined) continue;
      if (previous !== undefined) {
        const seconds = Math.max(at - previousAt, 1) / 1000;
        timeline.push({
          second: (at - originMs) / 1000,
          requestsPerSecond: answersBetween(previous, current) / seconds,
          p50Ms: latencyQuantileBetween(previous, current, 0.5),
          p99Ms: latencyQuantileBetween(previous, current, 0.99),
          outcomes: purchasesBetween(previous, current),
          available,
          ordersPending: current.ordersPending,
        });
      }
      previous = current;
      previousAt = at;
    }
  };

  const loops = Promise.all([pollSale(), sampleMetrics()]);
  return {
    soldOut,
    available: () => available,
    latest: () => timeline[timeline.length - 1],
    async stop() {
      running = false;
      await loops;
      return timeline;
    },
  };
}
