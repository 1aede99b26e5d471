import type { Reservation } from '../../domain/reservation.ts';
import type { EventTopic } from '../../ports/event-queue.ts';
import { optStr, str } from './attributes.ts';
import { reservationFromItem } from './ledger-items.ts';
import type { ReservationItems } from './reservation-items.ts';

/** Hands an event to the order pipeline (the SQS queue). */
export type Relay = (topic: EventTopic, body: string) => Promise<void>;

/**
 * Sends the events flagged unsent on reservation items: right after the
 * write that flagged them, and again from the sweeper for those a crash or
 * a queue fault left flagged. An event may go out twice; the consumer
 * ignores duplicates.
 */
export class EventOutbox {
  readonly #reservations: ReservationItems;
  readonly #relay: Relay;
  readonly #onRelayError: (error: unknown) => void;

  constructor(reservations: ReservationItems, relay: Relay, onRelayError: (error: unknown) => void) {
    this.#reservations = reservations;
    this.#relay = relay;
    this.#onRelayError = onRelayError;
  }

  /** Relays a stored event now; on failure it stays flagged for the sweeper. */
  async send(topic: EventTopic, reservation: Reservation, requestId?: string): Promise<void> {
    try {
      await this.#relay(topic, eventBody(reservation, requestId));
      await this.#reservations.clearPending(reservation.id, topic);
    } catch (error) {
      this.#onRelayError(error);
    }
  }

  /** Sends again every event flagged unsent `graceMs` or more before `now`; returns how many. */
  async relayUnsent(now: number, graceMs: number, limit: number): Promise<number> {
    let sent = 0;
    for (const item of await this.#reservations.unsent(now - graceMs, limit)) {
      const topic = optStr(item, 'pendingEvent') as EventTopic | null;
      // A release still giving units back sends its event once it is done (release-steps.ts).
      if (topic === null || item.restock !== undefined) continue;
      const requestId = topic === 'reservation.created' ? optStr(item, 'requestId') : null;
      await this.#relay(topic, eventBody(reservationFromItem(item), requestId ?? undefined));
      await this.#reservations.clearPending(str(item, 'id'), topic);
      sent++;
    }
    return sent;
  }
}

/** The event: the reservation, and the id of the request that made it where one is known. */
function eventBody(reservation: Reservation, requestId: string | undefined): string {
  return JSON.stringify(requestId === undefined ? reservation : { ...reservation, requestId });
}
