/**
 * A ledger's filter of the (user, idempotency key) pairs it has taken, kept
 * in shared memory so that the process's other threads can answer "this key
 * was never used" without a message to the ledger's thread. Shapes whose
 * ledger lives in another process have none.
 */
export interface SharedKeyFilterLayers {
  /** An Int32Array(1): how many layers the filter has. */
  readonly count: SharedArrayBuffer;
  /** The layers' bits, from the index asked for on. */
  readonly layers: readonly SharedArrayBuffer[];
}

/** Where a reader on another thread gets the layers it lacks. */
export interface KeyFilterSource {
  layersFrom(from: number): Promise<SharedKeyFilterLayers>;
}
