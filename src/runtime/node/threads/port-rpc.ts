import type { MessagePort, Worker } from 'node:worker_threads';

/** The objects a thread may call, by name. */
export type RpcTargets = Readonly<Record<string, object>>;

interface RpcCall {
  readonly rpc: 'call';
  readonly id: number;
  readonly target: string;
  readonly method: string;
  readonly args: readonly unknown[];
}

type RpcReply =
  | { readonly rpc: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly rpc: 'reply'; readonly id: number; readonly ok: false; readonly message: string };

type RpcMessage = RpcCall | RpcReply;

/** The calls, or the replies, one side made in one turn of its event loop, sent as one message. */
interface RpcBatch<T extends RpcMessage> {
  readonly rpc: 'batch';
  readonly of: T['rpc'];
  readonly messages: readonly T[];
}

type Endpoint = MessagePort | Worker;

/** The `rpc` field of a message posted by this module ('call', 'reply' or 'batch'); undefined for any other. */
function rpcField(message: unknown): unknown {
  return typeof message === 'object' && message !== null ? (message as { rpc?: unknown }).rpc : undefined;
}

/**
 * The messages of one kind on the endpoint, a batch's one by one. A side
 * that both serves and calls listens twice on one port: each listener walks
 * only the batches of its own kind.
 */
function onMessages<T extends RpcMessage>(
  endpoint: Endpoint,
  kind: T['rpc'],
  handle: (message: T) => void,
): void {
  endpoint.on('message', (message: unknown) => {
    const rpc = rpcField(message);
    if (rpc === kind) {
      handle(message as T);
      return;
    }
    if (rpc !== 'batch') return;
    const batch = message as RpcBatch<T>;
    if (batch.of === kind) for (const item of batch.messages) handle(item);
  });
}

/**
 * Sends the messages given during one turn of the event loop as one
 * `postMessage`, at the end of the turn (setImmediate). A message between
 * threads costs CPU on both sides mostly per message (the port's queue, the
 * wake-up, the event), not per byte, and a thread that serves hundreds of
 * connections makes tens of calls a turn: one round trip cost 20–25 µs of
 * CPU sent alone, about 5 µs in batches (256 callers).
 * A message that cannot be cloned goes to `unsendable`, and the rest of its
 * batch is sent without it.
 */
function batchedSender<T extends RpcMessage>(
  endpoint: Endpoint,
  kind: T['rpc'],
  unsendable: (message: T, error: unknown) => void,
) {
  let queue: T[] = [];
  const flush = () => {
    const messages = queue;
    queue = [];
    try {
      endpoint.postMessage(
        messages.length === 1 ? messages[0] : ({ rpc: 'batch', of: kind, messages } satisfies RpcBatch<T>),
      );
    } catch {
      for (const message of messages) {
        try {
          endpoint.postMessage(message);
        } catch (error) {
          unsendable(message, error);
        }
      }
    }
  };
  return (message: T): void => {
    if (queue.push(message) === 1) setImmediate(flush);
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Answers calls from the other side of `endpoint` with the named targets'
 * methods. Only methods that return promises (port methods) are meant to be
 * called; arguments and results cross by structured clone.
 */
export function serveRpc(endpoint: Endpoint, targets: RpcTargets): void {
  const reply = batchedSender<RpcReply>(endpoint, 'reply', (answer, error) =>
    reply({
      rpc: 'reply',
      id: answer.id,
      ok: false,
      message: `the result cannot be sent: ${messageOf(error)}`,
    }),
  );
  onMessages<RpcCall>(endpoint, 'call', (message) => {
    const target = targets[message.target] as Record<string, unknown> | undefined;
    const method = target?.[message.method];
    if (typeof method !== 'function') {
      reply({
        rpc: 'reply',
        id: message.id,
        ok: false,
        message: `no method ${message.target}.${message.method}`,
      });
      return;
    }
    Promise.resolve()
      .then(() => (method as (...args: unknown[]) => unknown).apply(target, [...message.args]))
      .then(
        (value) => reply({ rpc: 'reply', id: message.id, ok: true, value }),
        (error: unknown) =>
          reply({
            rpc: 'reply',
            id: message.id,
            ok: false,
            message: messageOf(error),
          }),
      );
  });
}

interface PendingCall {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Slots the ring grows to at most (512 KiB of pointers); a call that still finds its slot taken waits aside. */
const MAX_SLOTS = 65_536;

/**
 * Calls waiting for their reply, in a ring of slots indexed by call id (ids
 * are consecutive, so the calls in flight rarely share a slot; the ring
 * doubles when they do, up to MAX_SLOTS, and past that a call whose slot is
 * taken, which takes a call pending for 65,536 later ones, waits in a Map).
 * Not a Map for every call: a long-lived Map that every call passed through
 * kept each call's promise chain, and the request it served, alive through
 * V8's young-generation collections (about 2 KB a request promoted, then
 * freed by a full collection).
 */
export class PendingCalls {
  #slots: Array<PendingCall | undefined> = new Array<PendingCall | undefined>(1024).fill(undefined);
  readonly #aside = new Map<number, PendingCall>();

  /** How many slots the ring has now. */
  get capacity(): number {
    return this.#slots.length;
  }

  add(call: PendingCall): void {
    if (this.#aside.size > 0 && this.#aside.has(call.id))
      throw new Error(`call ${call.id} is already pending`);
    for (;;) {
      const index = call.id & (this.#slots.length - 1);
      const occupant = this.#slots[index];
      if (occupant === undefined) {
        this.#slots[index] = call;
        return;
      }
      if (occupant.id === call.id) throw new Error(`call ${call.id} is already pending`);
      if (!this.#grow()) {
        this.#aside.set(call.id, call);
        return;
      }
    }
  }

  /** The call with this id, now no longer pending; undefined if none is. */
  take(id: number): PendingCall | undefined {
    const index = id & (this.#slots.length - 1);
    const call = this.#slots[index];
    if (call?.id === id) {
      this.#slots[index] = undefined;
      return call;
    }
    const aside = this.#aside.get(id);
    if (aside !== undefined) this.#aside.delete(id);
    return aside;
  }

  /** Doubles the ring until every call in it has a slot of its own; false once it would pass MAX_SLOTS. */
  #grow(): boolean {
    for (let size = this.#slots.length * 2; size <= MAX_SLOTS; size *= 2) {
      const slots = new Array<PendingCall | undefined>(size).fill(undefined);
      let parted = true;
      for (const call of this.#slots) {
        if (call === undefined) continue;
        const index = call.id & (size - 1);
        if (slots[index] !== undefined) {
          parted = false;
          break;
        }
        slots[index] = call;
      }
      if (parted) {
        this.#slots = slots;
        return true;
      }
    }
    return false;
  }
}

/** Makes calls on the other side of `endpoint`; `remote<StockLedger>('ledger')` looks like the ledger. */
export function rpcClient(endpoint: Endpoint) {
  // Ids wrap at 2^31, so slot indexes stay exact; a call still pending 2^31 calls later is refused.
  let nextId = 0;
  const pending = new PendingCalls();
  const send = batchedSender<RpcCall>(endpoint, 'call', (call, error) =>
    pending.take(call.id)?.reject(new Error(`the call cannot be sent: ${messageOf(error)}`)),
  );
  onMessages<RpcReply>(endpoint, 'reply', (message) => {
    const call = pending.take(message.id);
    if (call === undefined) return;
    if (message.ok) call.resolve(message.value);
    else call.reject(new Error(message.message));
  });
  return {
    remote<T extends object>(target: string): T {
      return new Proxy({} as T, {
        get(_object, method) {
          if (typeof method !== 'string' || method === 'then') return undefined;
          return (...args: unknown[]) =>
            new Promise((resolve, reject) => {
              const id = nextId;
              nextId = (nextId + 1) & 0x7fffffff;
              pending.add({ id, resolve, reject });
              send({ rpc: 'call', id, target, method, args });
            });
        },
      });
    },
  };
}
