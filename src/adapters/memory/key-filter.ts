import type { KeyFilterSource, SharedKeyFilterLayers } from '../../ports/shared-key-filter.ts';

/**
 * A Bloom filter over (user, idempotency key) pairs: "never added" is
 * certain, "maybe added" sends the caller to the store. It grows as a stack
 * of layers, each twice the size of the one before, so adding never rebuilds
 * what is there (a rebuild would stall a sale). With 10 bits an entry and 7
 * hashes, a full layer answers "maybe" for about 0.8 % of the pairs it never
 * saw; the rates of the layers add up.
 *
 * Nothing is ever removed: a key, once used, stays used (I5).
 *
 * The bits live in shared memory: the process's other threads read them
 * through a `KeyFilterReader` (the layers from `layersFrom`), while this
 * filter, on the store's thread, is the only writer.
 */
export class KeyFilter {
  readonly #layers: Layer[] = [];
  /** How many layers exist, in shared memory: a reader that knows fewer says "maybe" until it has them. */
  readonly #layerCount = new Int32Array(new SharedArrayBuffer(4));
  #size = 0;

  constructor(firstLayerCapacity = 1 << 20) {
    this.#push(new Layer(firstLayerCapacity));
  }

  /** Pairs added (a pair added twice counts twice). */
  get size(): number {
    return this.#size;
  }

  add(userId: string, idempotencyKey: string): void {
    let layer = this.#layers[this.#layers.length - 1]!;
    if (layer.count >= layer.capacity) {
      layer = new Layer(layer.capacity * 2);
      this.#push(layer);
    }
    hashPair(userId, idempotencyKey);
    layer.add(hashes[0]!, hashes[1]!);
    this.#size++;
  }

  /** False: the pair was never added. True: it may have been. */
  mightHave(userId: string, idempotencyKey: string): boolean {
    hashPair(userId, idempotencyKey);
    const h1 = hashes[0]!;
    const h2 = hashes[1]!;
    for (const layer of this.#layers) if (layer.has(h1, h2)) return true;
    return false;
  }

  /** The shared layers from index `from` on, and the shared layer count (for a reader on another thread). */
  layersFrom(from: number): SharedKeyFilterLayers {
    return {
      count: this.#layerCount.buffer as SharedArrayBuffer,
      layers: this.#layers.slice(from).map((layer) => layer.bits.buffer as SharedArrayBuffer),
    };
  }

  #push(layer: Layer): void {
    this.#layers.push(layer);
    // After the push and before the layer's first bit: a reader that sees the count asks for the layer.
    Atomics.store(this.#layerCount, 0, this.#layers.length);
  }
}

/**
 * A `KeyFilter` read from another thread. `certainlyAbsent` is true only
 * when the pair is in none of the filter's layers; while a layer the writer
 * added has not arrived yet, it says false (ask the store), and fetches it.
 */
export class KeyFilterReader {
  readonly #source: KeyFilterSource;
  readonly #layers: LayerBits[] = [];
  #layerCount: Int32Array | undefined;
  #fetching: Promise<void> | undefined;

  constructor(source: KeyFilterSource) {
    this.#source = source;
  }

  /** Fetches the layers the filter has now (also done on first use). */
  load(): Promise<void> {
    this.#fetching ??= this.#source.layersFrom(this.#layers.length).then(
      ({ count, layers }) => {
        this.#layerCount ??= new Int32Array(count);
        for (const bits of layers) this.#layers.push(new LayerBits(new Uint32Array(bits)));
        this.#fetching = undefined;
      },
      () => {
        this.#fetching = undefined;
      },
    );
    return this.#fetching;
  }

  certainlyAbsent(userId: string, idempotencyKey: string): boolean {
    const count = this.#layerCount;
    if (count === undefined || Atomics.load(count, 0) > this.#layers.length) {
      void this.load();
      return false;
    }
    hashPair(userId, idempotencyKey);
    const h1 = hashes[0]!;
    const h2 = hashes[1]!;
    for (const layer of this.#layers) if (layer.has(h1, h2)) return false;
    return true;
  }
}

const HASHES_PER_LAYER = 7;
const BITS_PER_ENTRY = 10;

/** A layer's bits, read atomically: the filter's own layers, and another thread's view of them. */
class LayerBits {
  readonly bits: Uint32Array;
  /** The bit count is a power of two, so a bit index is a mask away from a hash. */
  readonly mask: number;

  constructor(bits: Uint32Array) {
    this.bits = bits;
    this.mask = bits.length * 32 - 1;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < HASHES_PER_LAYER; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if ((Atomics.load(this.bits, bit >>> 5) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

class Layer extends LayerBits {
  readonly capacity: number;
  count = 0;

  constructor(capacity: number) {
    const bits = 2 ** Math.ceil(Math.log2(Math.max(64, capacity * BITS_PER_ENTRY)));
    super(new Uint32Array(new SharedArrayBuffer(bits / 8)));
    this.capacity = capacity;
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < HASHES_PER_LAYER; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      // Atomic, so a reader on another thread sees the bit once it is set.
      Atomics.or(this.bits, bit >>> 5, 1 << (bit & 31));
    }
    this.count++;
  }
}

/**
 * A 53-bit hash of the pair (a safe integer, and an SQLite INTEGER): the key
 * of an index that stores a few bytes an entry instead of both strings. Equal
 * hashes need not be equal pairs: the caller compares the pair it finds.
 */
export function pairHash(userId: string, idempotencyKey: string): number {
  hashPair(userId, idempotencyKey);
  return hashes[0]! * 2 ** 21 + (hashes[1]! >>> 11);
}

/** Two independent 32-bit hashes of the pair, written here (no allocation per call). */
const hashes = new Uint32Array(2);

/**
 * FNV-1a and a Murmur-style multiply-xorshift over both strings' UTF-16 code
 * units with a separator between them, so ("ab", "c") and ("a", "bc") differ.
 * Double hashing (Kirsch–Mitzenmacher) derives the k bit indexes from the
 * two; the second is made odd so that its multiples cover a power-of-two table.
 */
function hashPair(a: string, b: string): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  h1 = Math.imul(h1 ^ 0xffff, 0x01000193);
  h2 = Math.imul(h2 ^ 0xffff, 0x5bd1e995);
  h2 ^= h2 >>> 13;
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  // Final avalanche, so that keys differing in their last character spread over the whole table.
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  hashes[0] = h1;
  hashes[1] = h2 | 1;
}
