import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BroadcastVerifiedTokens } from '../../../../src/adapters/memory/broadcast-verified-tokens.ts';
import {
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  type LocalIssuer,
  loadLocalIssuer,
} from '../../../../src/http/auth/local-issuer.ts';
import { createTokenVerifier, type VerifiedToken } from '../../../../src/http/auth/token-verifier.ts';
import { forgedAuthorization } from '../../../support/forged-token.ts';

/** Resolves once `channel` has heard `count` tokens (messages cross on the event loop); fails after 2 s. */
function heard(channel: BroadcastVerifiedTokens, count: number): Promise<VerifiedToken[]> {
  const tokens: VerifiedToken[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`heard ${tokens.length} of ${count} tokens`)), 2_000);
    channel.subscribe((token) => {
      tokens.push(token);
      if (tokens.length !== count) return;
      clearTimeout(timer);
      resolve(tokens);
    });
  });
}

/**
 * The HTTP threads of one process share the tokens they verified: a token
 * checked on one thread is taken on another without a second signature
 * check, and only that very header, until it expires.
 */
describe('verified tokens shared between verifiers', () => {
  let dir: string;
  let issuer: LocalIssuer;
  let otherIssuer: LocalIssuer;
  const channels: BroadcastVerifiedTokens[] = [];
  const now = Date.now();
  let name = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'token-share-'));
    issuer = await loadLocalIssuer(join(dir, 'a'));
    otherIssuer = await loadLocalIssuer(join(dir, 'b'));
  });
  afterEach(() => {
    for (const channel of channels.splice(0)) channel.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Two verifiers on one channel name; the second trusts none of the first's keys. */
  function pair() {
    const channelName = `test:verified-tokens:${process.pid}:${name++}`;
    const first = new BroadcastVerifiedTokens(channelName);
    const second = new BroadcastVerifiedTokens(channelName);
    const listener = new BroadcastVerifiedTokens(channelName);
    channels.push(first, second, listener);
    const options = { issuer: LOCAL_ISSUER, clientIds: [LOCAL_CLIENT_ID] };
    return {
      listener,
      verifying: createTokenVerifier({ ...options, jwks: issuer.jwks, share: first }),
      learning: createTokenVerifier({ ...options, jwks: otherIssuer.jwks, share: second }),
    };
  }

  it('a token verified by one verifier is taken by the other, which could not check it itself', async () => {
    const { listener, verifying, learning } = pair();
    const ann = `Bearer ${await issuer.sign({ sub: 'ann', admin: false })}`;
    await expect(learning.verify(ann, now)).rejects.toMatchObject({ code: 'unauthorized' });

    const published = heard(listener, 1);
    expect(await verifying.verify(ann, now)).toEqual({ userId: 'ann', isAdmin: false });
    const [token] = await published;
    expect(token).toMatchObject({ authorization: ann, actor: { userId: 'ann', isAdmin: false } });

    expect(await learning.verify(ann, now)).toEqual({ userId: 'ann', isAdmin: false });
    // Its expiry travels with it.
    await expect(learning.verify(ann, token!.expiresAt + 1)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a header that only ends like a shared token is still checked, and refused', async () => {
    const { listener, verifying, learning } = pair();
    const token = await issuer.sign({ sub: 'bob', admin: false });
    const published = heard(listener, 1);
    await verifying.verify(`Bearer ${token}`, now);
    await published;
    await expect(learning.verify(forgedAuthorization(token), now)).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('a token that failed verification is not shared, and a malformed message is ignored', async () => {
    const { listener, verifying, learning } = pair();
    const stranger = `Bearer ${await otherIssuer.sign({ sub: 'eve', admin: true })}`;
    const sent: VerifiedToken[] = [];
    listener.subscribe((token) => sent.push(token));
    await expect(verifying.verify(stranger, now)).rejects.toMatchObject({ code: 'unauthorized' });

    // Anything on the channel that is not a verified token's shape is dropped.
    const raw = new BroadcastChannel(`test:verified-tokens:${process.pid}:${name - 1}`);
    raw.postMessage({ authorization: 'Bearer forged', actor: { userId: 'eve' }, expiresAt: now + 60_000 });
    raw.postMessage('Bearer forged');
    // A token verified afterwards arrives after them: by then the malformed ones were handled.
    const cy = `Bearer ${await issuer.sign({ sub: 'cy', admin: false })}`;
    const published = heard(listener, 1);
    await verifying.verify(cy, now);
    await published;
    raw.close();

    expect(sent.map((token) => token.actor.userId)).toEqual(['cy']);
    await expect(learning.verify('Bearer forged', now)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
