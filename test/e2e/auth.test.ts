import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('bearer tokens', () => {
  let server: TestServer;
  let saleId: string;
  let serverKey: JWK;

  beforeAll(async () => {
    server = await startTestServer();
    saleId = (await server.createSale()).id;
    serverKey = JSON.parse(readFileSync(join(server.dataDir, 'signing-key.json'), 'utf8'));
  });
  afterAll(() => server.close());

  const purchaseWith = (authorization: string | undefined) =>
    api(server.url, `/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      body: { quantity: 1, idempotencyKey: `auth-${Math.random()}` },
      headers: authorization === undefined ? {} : { authorization },
    });

  async function signWithServerKey(
    claims: { iss?: string; clientId?: string; tokenUse?: string; exp?: number; sub?: string } = {},
  ) {
    const key = await importJWK(serverKey, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      token_use: claims.tokenUse ?? 'access',
      client_id: claims.clientId ?? 'flashsale-local-client',
    })
      .setProtectedHeader({ alg: 'ES256', kid: serverKey.kid! })
      .setSubject(claims.sub ?? 'eve')
      .setIssuer(claims.iss ?? 'flashsale-local')
      .setIssuedAt(now - 7200)
      .setExpirationTime(claims.exp ?? now + 3600)
      .sign(key);
  }

  async function expectUnauthorized(authorization: string | undefined, message?: RegExp) {
    const response = await purchaseWith(authorization);
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('unauthorized');
    if (message !== undefined) expect(response.json.error.message).toMatch(message);
  }

  it('accepts a token of the local issuer', async () => {
    expect((await purchaseWith(`Bearer ${await server.token('alice')}`)).status).toBe(201);
    expect((await purchaseWith(`Bearer ${await signWithServerKey({})}`)).status).toBe(201);
  });

  it('refuses a request without a token, or with another scheme', async () => {
    await expectUnauthorized(undefined, /missing token/);
    await expectUnauthorized('Basic YWxpY2U6c2VjcmV0', /Bearer/);
    await expectUnauthorized('Bearer not-a-jwt');
  });

  it('refuses a token whose signature was tampered with', async () => {
    const token = await server.token('alice');
    const [header, payload, signature] = token.split('.');
    const flipped = signature![5] === 'A' ? 'B' : 'A';
    await expectUnauthorized(
      `Bearer ${header}.${payload}.${signature!.slice(0, 5)}${flipped}${signature!.slice(6)}`,
    );
    const forged = b64url({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'admin' });
    await expectUnauthorized(`Bearer ${header}.${forged}.${signature}`);
  });

  it('refuses a token signed with alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url({ alg: 'none', typ: 'JWT' });
    const payload = b64url({
      sub: 'eve',
      iss: 'flashsale-local',
      aud: 'flashsale',
      exp: now + 3600,
      iat: now,
    });
    await expectUnauthorized(`Bearer ${header}.${payload}.`);
  });

  it('refuses a token signed by a key the server does not know', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: serverKey.kid! })
      .setSubject('eve')
      .setIssuer('flashsale-local')
      .setAudience('flashsale')
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectUnauthorized(`Bearer ${token}`, /signature/);
  });

  it('refuses a wrong issuer, a wrong client, an ID token, an empty sub and an expired token', async () => {
    await expectUnauthorized(`Bearer ${await signWithServerKey({ iss: 'https://evil.example' })}`, /iss/);
    await expectUnauthorized(`Bearer ${await signWithServerKey({ clientId: 'another-app' })}`, /client_id/);
    await expectUnauthorized(`Bearer ${await signWithServerKey({ tokenUse: 'id' })}`, /access token is due/);
    await expectUnauthorized(`Bearer ${await signWithServerKey({ sub: '' })}`, /sub/);
    const past = Math.floor(Date.now() / 1000) - 60;
    await expectUnauthorized(`Bearer ${await signWithServerKey({ exp: past })}`, /expired/);
  });

  it('keeps shoppers off admin routes and lets admins in', async () => {
    const shopper = await server.token('alice');
    const admin = await server.adminToken();
    const adminRoutes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/sales', {}],
      ['GET', `/v1/sales/${saleId}/audit`],
      ['GET', '/v1/admin/dead-letters'],
      ['POST', '/v1/admin/dead-letters/1/redrive'],
    ];
    for (const [method, path, body] of adminRoutes) {
      const response = await api(server.url, path, { method, token: shopper, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.json.error.code).toBe('forbidden');
    }
    expect((await api(server.url, `/v1/sales/${saleId}/audit`, { token: admin })).status).toBe(200);
    expect((await api(server.url, '/v1/admin/dead-letters', { token: admin })).status).toBe(200);
  });

  it("hides one shopper's order from another, not from an admin", async () => {
    const alice = await server.token('alice');
    const bought = await api(server.url, `/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      token: alice,
      body: { quantity: 1, idempotencyKey: 'mine' },
    });
    const orderId = bought.json.orderId as string;
    const mallory = await server.token('mallory');
    for (const path of [`/v1/orders/${orderId}`]) {
      const peek = await api(server.url, path, { token: mallory });
      expect(peek.status).toBe(404);
      expect(peek.json.error.code).toBe('order_not_found');
    }
    for (const action of ['pay', 'cancel']) {
      const meddle = await api(server.url, `/v1/orders/${orderId}/${action}`, {
        method: 'POST',
        token: mallory,
      });
      expect(meddle.status).toBe(404);
    }
    expect((await api(server.url, `/v1/orders/${orderId}`, { token: alice })).json.status).toMatch(
      /pending|confirmed/,
    );
    expect(
      (await api(server.url, `/v1/orders/${orderId}`, { token: await server.adminToken() })).status,
    ).toBe(200);
  });

  it('publishes only the public half of its signing key', async () => {
    const jwks = await api(server.url, '/.well-known/jwks.json');
    expect(jwks.json.keys).toHaveLength(1);
    expect(jwks.json.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: serverKey.kid });
    expect(jwks.json.keys[0].d).toBeUndefined();
  });
});
