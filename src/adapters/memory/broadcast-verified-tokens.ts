import type { VerifiedToken, VerifiedTokenShare } from '../../http/auth/token-verifier.ts';
import { ProcessBroadcast } from './process-broadcast.ts';

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
 * Verified tokens between the HTTP threads of one process (a
 * ProcessBroadcast). The kernel hands a shopper's connections to any thread;
 * without this, each thread would check the same signature again (an ES256
 * verification costs as much as a few dozen cached answers).
 */
export class BroadcastVerifiedTokens implements VerifiedTokenShare {
  readonly #channel: ProcessBroadcast<VerifiedToken>;

  constructor(channelName = 'flashsale:verified-tokens') {
    this.#channel = new ProcessBroadcast(channelName, isVerifiedToken);
  }

  publish(token: VerifiedToken): void {
    this.#channel.post(token);
  }

  subscribe(learn: (token: VerifiedToken) => void): void {
    this.#channel.subscribe(learn);
  }

  close(): void {
    this.#channel.close();
  }
}
