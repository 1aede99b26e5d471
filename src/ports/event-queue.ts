export type EventTopic = 'reservation.created' | 'reservation.paid' | 'reservation.released';

export interface QueuedEvent {
  readonly id: string;
  readonly topic: string;
  readonly body: string;
  /** Failed deliveries so far. */
  readonly attempts: number;
}

export interface DeadLetter {
  readonly id: string;
  readonly topic: string;
  readonly body: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: number;
}

export interface QueueDepth {
  readonly pending: number;
  readonly dead: number;
  /** When the oldest pending event was queued (ms); undefined when none is, or the queue cannot tell. */
  readonly oldestPendingAt?: number | undefined;
}

export interface ReceiveOptions {
  readonly leaveToProjection?: boolean;
}

/**
 * The order pipeline's durable queue, consumer side. Events are published by
 * the ledger inside its own atomic step; `publish` is for events that belong
 * to no ledger change (and for replays). An event received and neither acked
 * nor rescheduled is delivered again. Retry policy (how many attempts, what
 * back-off) belongs to the consumer, not to the queue.
 */
export interface EventQueue {
  publish(topic: string, body: string, now: number): Promise<string>;
  /**
   * `leaveToProjection`: the caller has just run the store's OrderProjection
   * without error, so `reservation.created` events that projection will
   * confirm in bulk may be left out (a store without one ignores the flag).
   */
  receive(max: number, now: number, options?: ReceiveOptions): Promise<QueuedEvent[]>;
  ack(id: string): Promise<void>;
  retryLater(id: string, error: string, at: number): Promise<void>;
  deadLetter(id: string, error: string, now: number): Promise<void>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Puts a dead letter back on the queue with its attempts reset; false if there is no such letter. */
  redrive(id: string, now: number): Promise<boolean>;
  depth(): Promise<QueueDepth>;
  /**
   * When the oldest event still waiting for delivery entered the queue (a
   * retried or redriven event counts from when it was put back, by the
   * store's clock); null when none waits, undefined where the queue cannot
   * tell without receiving (SQS keeps that figure in CloudWatch only).
   */
  oldestPendingAt(): Promise<number | null | undefined>;
}
