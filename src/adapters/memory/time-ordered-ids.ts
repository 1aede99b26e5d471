import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Random bytes drawn from the system at once: one `randomFillSync` serves this many bytes of ids. */
const POOL_BYTES = 8192;
/** Random bits an id needs: 12 (rand_a) + 62 (rand_b), rounded up to whole bytes. */
const RANDOM_BYTES_PER_ID = 10;

/**
 * UUIDv7 ids (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits,
 * so ids sort by creation time and a batch of new rows lands on a few index
 * pages. The random bits come from a pool refilled from the system's CSPRNG
 * 8 KiB at a time: one id costs a slice of the pool, not a system call.
 */
export class TimeOrderedIds {
  #pool = Buffer.alloc(POOL_BYTES);
  #offset = POOL_BYTES;

  next(now: number = Date.now()): string {
    if (this.#offset + RANDOM_BYTES_PER_ID > POOL_BYTES) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const pool = this.#pool;
    const r = this.#offset;
    this.#offset += RANDOM_BYTES_PER_ID;
    // 48-bit timestamp, big-endian, as 12 hex digits.
    const ms = Math.trunc(now);
    const high = Math.trunc(ms / 0x1_0000_0000);
    const low = ms >>> 0;
    return (
      HEX[(high >>> 8) & 0xff]! +
      HEX[high & 0xff]! +
      HEX[low >>> 24]! +
      HEX[(low >>> 16) & 0xff]! +
      '-' +
      HEX[(low >>> 8) & 0xff]! +
      HEX[low & 0xff]! +
      '-' +
      HEX[0x70 | (pool[r]! & 0x0f)]! + // version 7, then rand_a
      HEX[pool[r + 1]!]! +
      '-' +
      HEX[0x80 | (pool[r + 2]! & 0x3f)]! + // variant 10, then rand_b
      HEX[pool[r + 3]!]! +
      '-' +
      HEX[pool[r + 4]!]! +
      HEX[pool[r + 5]!]! +
      HEX[pool[r + 6]!]! +
      HEX[pool[r + 7]!]! +
      HEX[pool[r + 8]!]! +
      HEX[pool[r + 9]!]!
    );
  }
}
