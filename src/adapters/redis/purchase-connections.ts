import type { Redis } from 'ioredis';
import type { ScriptRunner } from './lua-script.ts';

/**
 * The connections purchases reach Redis through, used in turn. Two things
 * decide how many purchases share one fsync (`appendfsync always`: every
 * turn of Redis's event loop that wrote ends in one): Redis reads at most
 * 16 KB from a connection per turn, about 16 reserve calls, so n connections
 * carry n times that; and each connection sends, in one write, everything
 * asked for during one turn of this process's event loop (the socket is
 * corked until `setImmediate`), without waiting for earlier replies, as
 * ioredis's auto-pipelining would (one pipeline in flight per connection).
 */
export function purchaseConnections(connections: readonly Redis[]): ScriptRunner {
  if (connections.length === 0) throw new Error('purchaseConnections: no connection');
  const runners = connections.map(corkedPerTurn);
  let next = 0;
  const pick = () => {
    const runner = runners[next]!;
    next = (next + 1) % runners.length;
    return runner;
  };
  return {
    evalsha: (sha, numKeys, ...args) => pick().evalsha(sha, numKeys, ...args),
    eval: (script, numKeys, ...args) => pick().eval(script, numKeys, ...args),
  };
}

/** A connection (without auto-pipelining) whose commands of one event-loop turn leave in one write. */
function corkedPerTurn(redis: Redis): ScriptRunner {
  let corked: Redis['stream'] | undefined;
  const cork = () => {
    const stream = redis.stream;
    // Not connected: ioredis refuses the command at once (no offline queue).
    if (corked === stream || stream === undefined || !stream.writable) return;
    corked = stream;
    stream.cork();
    setImmediate(() => {
      corked = undefined;
      stream.uncork();
    });
  };
  return {
    evalsha: (sha, numKeys, ...args) => {
      cork();
      return redis.evalsha(sha, numKeys, ...args);
    },
    eval: (script, numKeys, ...args) => {
      cork();
      return redis.eval(script, numKeys, ...args);
    },
  };
}
