import * as z from 'zod';
import type { OrderEvent } from '../domain/order.ts';
import type { Reservation } from '../domain/reservation.ts';

const reservationSchema = z.object({
  id: z.string().min(1),
  orderId: z.string().min(1),
  saleId: z.string().min(1),
  userId: z.string().min(1),
  quantity: z.number().int().positive(),
  idempotencyKey: z.string(),
  amountCents: z.number().int().nonnegative(),
  currency: z.string(),
  state: z.enum(['held', 'paid', 'released']),
  releaseReason: z.enum(['expired', 'cancelled']).nullable(),
  createdAt: z.number(),
  expiresAt: z.number(),
  paidAt: z.number().nullable(),
  requestId: z.string().optional(),
});

export interface ReservationEvent {
  readonly reservation: Reservation;
  readonly orderEvent: OrderEvent;
  /** The id of the HTTP request that made the reservation, where the backend carried it. */
  readonly requestId?: string | undefined;
}

/** Reads a queued event; throws on anything the pipeline does not understand (it will be retried, then parked). */
export function parseReservationEvent(topic: string, body: string): ReservationEvent {
  const { requestId, ...reservation } = reservationSchema.parse(JSON.parse(body));
  switch (topic) {
    case 'reservation.created':
      return { reservation, orderEvent: 'confirmed', requestId };
    case 'reservation.paid':
      return { reservation, orderEvent: 'paid', requestId };
    case 'reservation.released':
      return { reservation, orderEvent: reservation.releaseReason ?? 'expired', requestId };
    default:
      throw new Error(`unknown topic ${topic}`);
  }
}
