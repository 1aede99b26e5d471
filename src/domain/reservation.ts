/** held: units taken, awaiting payment; paid: sold for good; released: units went back on sale. */
export type ReservationState = 'held' | 'paid' | 'released';
export type ReleaseReason = 'expired' | 'cancelled';

export interface Reservation {
  readonly id: string;
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly idempotencyKey: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly state: ReservationState;
  readonly releaseReason: ReleaseReason | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly paidAt: number | null;
}
