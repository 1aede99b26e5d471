import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  type LocalIssuer,
  loadLocalIssuer,
} from '../../../../src/http/auth/local-issuer.ts';
import {
  createTokenVerifier,
  type TokenVerifier,
  type VerifiedToken,
} from '../../../../src/http/auth/token-verifier.ts';
import { forgedAuthorization } from '../../../support/forged-token.ts';

/** The verifier remembers tokens it verified: a hit must be the very same header, never a look-alike. */
describe('token verifier cache', () => {
  let dir: string;
  let issuer: LocalIssuer;
  let verifier: TokenVerifier;
  const now = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'token-cache-'));
    issuer = await loadLocalIssuer(dir);
    verifier = createTokenVerifier({ jwks: issuer.jwks, issuer: LOCAL_ISSUER, clientIds: [LOCAL_CLIENT_ID] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a token seen before with its own actor', async () => {
    const ann = `Bearer ${await issuer.sign({ sub: 'ann', admin: false })}`;
    const bob = `Bearer ${await issuer.sign({ sub: 'bob', admin: true })}`;
    for (let i = 0; i < 3; i++) {
      expect(await verifier.verify(ann, now)).toEqual({ userId: 'ann', isAdmin: false });
      expect(await verifier.verify(bob, now)).toEqual({ userId: 'bob', isAdmin: true });
    }
  });

  it('verifies again a header that ends like a cached one: a forged payload is refused', async () => {
    const token = await issuer.sign({ sub: 'ann', admin: false });
    await verifier.verify(`Bearer ${token}`, now);
    await expect(verifier.verify(forgedAuthorization(token), now)).rejects.toMatchObject({
      code: 'unauthorized',
    });
    // The genuine one is still taken.
    expect(await verifier.verify(`Bearer ${token}`, now)).toEqual({ userId: 'ann', isAdmin: false });
  });

  it('a cached token is refused once it expires', async () => {
    const token = `Bearer ${await issuer.sign({ sub: 'cy', admin: false, ttlSeconds: 60 })}`;
    expect(await verifier.verify(token, now)).toEqual({ userId: 'cy', isAdmin: false });
    await expect(verifier.verify(token, now + 120_000)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('forgets the oldest tenth when full, not every token at once', async () => {
    // Tokens learnt from another thread's verifier: a header no signature check would pass, so a
    // verify() that answers it answered from the cache.
    let learn: (token: VerifiedToken) => void = () => {};
    const small = createTokenVerifier({
      jwks: issuer.jwks,
      issuer: LOCAL_ISSUER,
      clientIds: [LOCAL_CLIENT_ID],
      cacheSize: 20,
      share: { publish: () => {}, subscribe: (listener) => (learn = listener) },
    });
    const header = (i: number) => `Bearer learnt-token-${String(i).padStart(40, '0')}`;
    const learnt = (i: number) =>
      learn({
        authorization: header(i),
        actor: { userId: `u${i}`, isAdmin: false },
        expiresAt: now + 60_000,
      });
    const cached = async (i: number) =>
      small.verify(header(i), now).then(
        () => true,
        () => false,
      );
    for (let i = 0; i < 20; i++) learnt(i);
    for (let i = 0; i < 20; i++) expect(await cached(i)).toBe(true);
    learnt(20);
    // Full at 20: the two oldest went, the other 18 and the newest stay.
    expect(await cached(0)).toBe(false);
    expect(await cached(1)).toBe(false);
    for (let i = 2; i <= 20; i++) expect(await cached(i)).toBe(true);
  });
});
