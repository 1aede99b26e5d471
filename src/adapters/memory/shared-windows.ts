import { pairHash } from './key-filter.ts';

/** Float64 fields a slot: the key's hash (0: never used), when its window ends (ms), attempts in it. */
const SLOT_FIELDS = 3;
/** Slots tried from a key's home slot: a key lives in one of them, or nowhere. */
const PROBES = 32;
/** Room for about 260,000 keys with a window open at once at half load: 12 MiB. */
export const DEFAULT_WINDOW_SLOTS = 1 << 19;
/** Failed tries at the lock before a thread sleeps on it (a holder keeps it for well under a microsecond). */
const SPINS = 100;

/** The memory a `SharedWindows` lives in: handed to every thread that counts in the same windows. */
export interface SharedWindowsBuffers {
  readonly lock: SharedArrayBuffer;
  readonly slots: SharedArrayBuffer;
}

/** An attempt counted: how many its window holds now, this one included, and when the window ends. */
export interface WindowCount {
  readonly count: number;
  readonly msLeft: number;
}

/**
 * Attempts counted by key in fixed windows, in shared memory: every thread
 * given the same buffers counts in the same windows, with no message to
 * another thread. A window opens at the first attempt after the key's last
 * window ended and lasts the duration that attempt names.
 *
 * An open-addressing table of slots under one lock (a futex-style mutex on
 * `Atomics`: the critical section is a few reads and writes, so two threads
 * rarely meet there). A key is its 53-bit hash (with its space): two keys
 * with the same hash would share a count, a chance of about n²/2⁵⁴ among n
 * keys. A slot whose window has ended is taken by the next new key that
 * probes it, so the table never needs sweeping; a new key that finds no
 * free slot among its probes is not counted (`count` answers undefined).
 */
export class SharedWindows {
  /** Zeroed memory for `slots` slots (a power of two). */
  static allocate(slots: number = DEFAULT_WINDOW_SLOTS): SharedWindowsBuffers {
    if (!Number.isInteger(slots) || slots < PROBES || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`window slots must be a power of two of at least ${PROBES}, got ${slots}`);
    }
    return {
      lock: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT),
      slots: new SharedArrayBuffer(slots * SLOT_FIELDS * Float64Array.BYTES_PER_ELEMENT),
    };
  }

  readonly buffers: SharedWindowsBuffers;
  /** 0: free; 1: held; 2: held, and a thread may be asleep on it. */
  readonly #lock: Int32Array;
  readonly #slots: Float64Array;
  readonly #mask: number;

  constructor(buffers: SharedWindowsBuffers) {
    this.buffers = buffers;
    this.#lock = new Int32Array(buffers.lock);
    this.#slots = new Float64Array(buffers.slots);
    this.#mask = this.#slots.length / SLOT_FIELDS - 1;
  }

  /**
   * Counts one attempt under (`space`, `key`) in the key's current window,
   * or in a new one of `durationMs` from `now` if it has none open. Undefined
   * when the key has no window and the table has no room for one.
   */
  count(space: string, key: string, durationMs: number, now: number): WindowCount | undefined {
    const hash = pairHash(space, key) || 1;
    const home = hash >>> 0;
    const slots = this.#slots;
    this.#acquire();
    try {
      let reusable = -1;
      for (let probe = 0; probe < PROBES; probe++) {
        const at = ((home + probe) & this.#mask) * SLOT_FIELDS;
        const slotHash = slots[at]!;
        if (slotHash === hash) {
          const endsAt = slots[at + 1]!;
          if (endsAt <= now) return open(slots, at, hash, durationMs, now);
          slots[at + 2] = slots[at + 2]! + 1;
          return { count: slots[at + 2]!, msLeft: endsAt - now };
        }
        // The end of the key's run: it has no slot, and the first reusable one (or this) becomes its.
        if (slotHash === 0) return open(slots, reusable === -1 ? at : reusable, hash, durationMs, now);
        if (reusable === -1 && slots[at + 1]! <= now) reusable = at;
      }
      return reusable === -1 ? undefined : open(slots, reusable, hash, durationMs, now);
    } finally {
      this.#release();
    }
  }

  #acquire(): void {
    const lock = this.#lock;
    for (let spins = 0; spins < SPINS; spins++) {
      if (Atomics.compareExchange(lock, 0, 0, 1) === 0) return;
    }
    // Marked "someone may sleep" before sleeping, so the holder's release wakes a sleeper.
    while (Atomics.exchange(lock, 0, 2) !== 0) Atomics.wait(lock, 0, 2, 1);
  }

  #release(): void {
    if (Atomics.exchange(this.#lock, 0, 0) === 2) Atomics.notify(this.#lock, 0, 1);
  }
}

function open(slots: Float64Array, at: number, hash: number, durationMs: number, now: number): WindowCount {
  slots[at] = hash;
  slots[at + 1] = now + durationMs;
  slots[at + 2] = 1;
  return { count: 1, msLeft: durationMs };
}
