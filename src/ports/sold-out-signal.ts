export type SoldOutListener = (saleId: string, soldOut: boolean) => void;

/**
 * Tells every server process (or thread) of a deployment that a sale ran out
 * of units, or has units again after a release. Best effort: a lost message
 * costs at most one trip to the store, never a wrong answer, because the
 * flag it sets is trusted only for a short time.
 */
export interface SoldOutSignal {
  /** Delivered to every other subscriber of the deployment (not back to this one). */
  announce(saleId: string, soldOut: boolean): void;
  subscribe(listener: SoldOutListener): () => void;
  close(): Promise<void>;
}
