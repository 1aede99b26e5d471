import type { SaleStatus } from '../domain/sale.ts';
import type { OrderStatusCounts } from '../ports/order-store.ts';

/**
 * What the operator's page receives once a second over Server-Sent Events.
 * Every figure is read from the running system (the ledger, the order store,
 * the queue, the metrics registry); a figure the backend cannot give is null
 * or left out, never made up. The page (dashboard/, built with Vite) imports
 * this type, so server and page cannot drift apart.
 */
export interface DashboardSnapshot {
  /** Server clock, ms since the epoch: countdowns are computed against it, not the browser's. */
  readonly at: number;
  /** Shape of the store: embedded, cluster. */
  readonly backend: string;
  readonly sales: readonly SaleFigures[];
  /** Sales on the books beyond those listed (ended more than an hour ago, or past the first few). */
  readonly salesNotShown: number;
  readonly purchases: PurchaseFigures;
  readonly queue: QueueFigures | null;
  /** Why the store figures (sales, queue) are missing from this snapshot; null when it answered. */
  readonly storeError: string | null;
  /** The in-process alarm rules (ALARMS) and the state each is in. */
  readonly alarms: readonly AlarmState[];
}

export interface AlarmState {
  readonly name: string;
  readonly state: 'OK' | 'ALARM';
  /** When it entered that state (ms). */
  readonly since: number;
  /** The statistic of the last period evaluated; null before the first or without data. */
  readonly lastValue: number | null;
}

export interface SaleFigures {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly status: SaleStatus;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly stock: number;
  readonly available: number;
  readonly perUserLimit: number;
  /** Orders the pipeline has recorded, by status; reservations still in the queue are in none. */
  readonly orders: OrderStatusCounts;
}

export interface PurchaseFigures {
  /** Purchase attempts per second between the last two samples, by outcome (all HTTP threads summed). */
  readonly perSecond: Readonly<Record<string, number>>;
  /** Purchase attempts since this server started, by outcome. */
  readonly total: Readonly<Record<string, number>>;
  readonly latency: LatencyFigures;
}

/** Purchase request latency (every answer: 201 and refusals) from the HTTP histogram's buckets. */
export interface LatencyFigures {
  /** How far back the figures reach: the samples kept, at most five minutes. */
  readonly windowSeconds: number;
  /** Purchase requests answered inside the window. */
  readonly count: number;
  /** null when no purchase was answered in the window. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** The histogram's highest finite bucket: a quantile at this value means "this or more". */
  readonly ceilingMs: number;
}

export interface QueueFigures {
  /** Events waiting for the order pipeline (new, retried or redriven). */
  readonly pending: number;
  /** Events parked in the dead-letter queue. */
  readonly dead: number;
  /** Age of the oldest waiting event; null when none waits. */
  readonly oldestPendingAgeMs: number | null;
  /** False where the queue cannot tell the age (SQS): `oldestPendingAgeMs` is then null. */
  readonly oldestPendingAgeKnown: boolean;
}
