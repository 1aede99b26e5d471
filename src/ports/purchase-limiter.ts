/** A rate: `perSecond` attempts a second, and at most `burst` in a second after a quiet spell. */
export interface Rate {
  readonly perSecond: number;
  readonly burst: number;
}

/** The limits on purchase attempts; an absent one is off. */
export interface PurchaseLimits {
  /** Per shopper (the token's `sub`). */
  readonly perUser: Rate | undefined;
  /** Per client address (see the HTTP edge's trusted-proxy rule). */
  readonly perClient: Rate | undefined;
}

/** Who a purchase attempt comes from, as far as rate limits care. */
export interface AttemptSource {
  readonly userId: string;
  /** The client's IP address; undefined where the runtime cannot tell (its limit then does not apply). */
  readonly clientAddress: string | undefined;
}

export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly limit: 'user' | 'client'; readonly retryAfterSeconds: number };

/**
 * Counts purchase attempts against the limits, wherever the adapter keeps
 * the counts: one process's memory, or a store every process shares. Leaves
 * out how they are stored and the window's algorithm; an adapter whose store
 * fails decides itself whether to fall back (and says so), it never throws
 * for a store fault.
 */
export interface PurchaseLimiter {
  admit(source: AttemptSource): Promise<Admission>;
}
