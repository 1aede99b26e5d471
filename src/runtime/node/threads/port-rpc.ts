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

type Endpoint = MessagePort | Worker;

function isCall(message: unknown): message is RpcCall {
  return typeof message === 'object' && message !== null && (message as { rpc?: unknown }).rpc === 'call';
}

function isReply(message: unknown): message is RpcReply {
  return typeof message === 'object' && message !== null && (message as { rpc?: unknown }).rpc === 'reply';
}

/**
 * Answers calls from the other side of `endpoint` with the named targets'
 * methods. Only methods that return promises (port methods) are meant to be
 * called; arguments and results cross by structured clone.
 */
export function serveRpc(endpoint: Endpoint, targets: RpcTargets): void {
  endpoint.on('message', (message: unknown) => {
    if (!isCall(message)) return;
    const target = targets[message.target] as Record<string, unknown> | undefined;
    const method = target?.[message.method];
    const reply = (answer: RpcReply) => endpoint.postMessage(answer);
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
            message: error instanceof Error ? error.message : String(error),
          }),
      );
  });
}

/** Makes calls on the other side of `endpoint`; `remote<StockLedger>('ledger')` looks like the ledger. */
export function rpcClient(endpoint: Endpoint) {
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  endpoint.on('message', (message: unknown) => {
    if (!isReply(message)) return;
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
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
              const id = nextId++;
              pending.set(id, { resolve, reject });
              const call: RpcCall = { rpc: 'call', id, target, method, args };
              endpoint.postMessage(call);
            });
        },
      });
    },
  };
}
