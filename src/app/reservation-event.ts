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
});

export interface ReservationEvent {
  readonly reservation: Reservation;
  readonly orderEvent: OrderEvent;
}

/** Reads a queued event; throws on anything the pipeline does not understand (it will be retried, then parked). */
export function parseReservationEvent(topic: string, body: string): ReservationEvent {
  const reservation = reservationSchema.parse(JSON.parse(body));
  switch (topic) {
    case 'reservation.created':
      return { reservation, orderEvent: 'confirmed' };
    case 'reservation.paid':
      return { reservation, orderEvent: 'paid' };
    case 'reservation.released':
      return { reservation, orderEvent: reservation.releaseReason ?? 'expired' };
    default:
      throw new Error(`unknown topic ${topic}`);
  }
}
