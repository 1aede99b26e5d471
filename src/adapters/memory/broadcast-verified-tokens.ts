import type { BroadcastChannel as Channel } from 'node:worker_threads';
import type { VerifiedToken, VerifiedTokenShare } from '../../http/auth/token-verifier.ts';

function isVerifiedToken(data: unknown): data is VerifiedToken {
  if (typeof data !== 'object' || data === null) return false;
  const token = data as Record<string, unknown>;
  const actor = token.actor as Record<string, unknown> | null | undefined;
  return (
    typeof token.authorization === 'string' &&
    typeof token.expiresAt === 'number' &&
    typeof actor === 'object' &&
    actor !== null &&
    typeof actor.userId === 'string' &&
    typeof actor.isAdmin === 'boolean'
  );
}

/**
 * Verified tokens between the HTTP threads of one process, on a
 * BroadcastChannel (it reaches every other channel of the same name in the
 * process, never the sender, never another process). The kernel hands a
 * shopper's connections to any thread; without this, each thread would check
 * the same signature again (an ES256 verification costs as much as a few
 * dozen cached answers).
 */
export class BroadcastVerifiedTokens implements VerifiedTokenShare {
  readonly #channel: Channel;
  readonly #listeners = new Set<(token: VerifiedToken) => void>();

  constructor(channelName = 'flashsale:verified-tokens') {
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event: unknown) => {
      const data = (event as { data?: unknown }).data;
      if (!isVerifiedToken(data)) return;
      for (const learn of this.#listeners) learn(data);
    };
    // A channel with a handler keeps the event loop alive; the process must be free to exit.
    this.#channel.unref();
  }

  publish(token: VerifiedToken): void {
    this.#channel.postMessage(token);
  }

  subscribe(learn: (token: VerifiedToken) => void): void {
    this.#listeners.add(learn);
  }

  close(): void {
    this.#listeners.clear();
    this.#channel.close();
  }
}
