import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, type TokenVerifier } from '../../src/http/auth/token-verifier.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const POOL = 'eu-west-1_TestPool1';
const ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`;
const CLIENT = '4example5client6id7';

/**
 * A stand-in for a Cognito user pool: an RS256 key pair made here, its public
 * half served as a JWKS over a real local HTTP server, and tokens of the
 * shapes Cognito issues (access and ID tokens, as AWS documents them).
 */
async function startUserPool() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== `/${POOL}/.well-known/jwks.json`) {
      response.writeHead(404).end();
      return;
    }
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
  const common = (sub: string) => ({
    sub,
    iss: ISSUER,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    auth_time: now() - 60,
    iat: now() - 60,
    exp: now() + 3600,
    jti: randomUUID(),
  });
  return {
    jwksUrl: new URL(`http://127.0.0.1:${port}/${POOL}/.well-known/jwks.json`),
    fetches: () => fetches,
    accessToken: (sub: string, groups: string[] = [], overrides: JWTPayload = {}) =>
      sign({
        ...common(sub),
        ...(groups.length === 0 ? {} : { 'cognito:groups': groups }),
        version: 2,
        client_id: CLIENT,
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        username: sub,
        ...overrides,
      }),
    idToken: (sub: string, groups: string[] = []) =>
      sign({
        ...common(sub),
        ...(groups.length === 0 ? {} : { 'cognito:groups': groups }),
        aud: CLIENT,
        token_use: 'id',
        'cognito:username': sub,
        email: `${sub}@example.com`,
        email_verified: true,
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('Cognito access tokens against a JWKS served over HTTP', () => {
  let pool: Awaited<ReturnType<typeof startUserPool>>;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    pool = await startUserPool();
    verifier = createTokenVerifier({
      jwks: pool.jwksUrl,
      issuer: ISSUER,
      clientIds: ['other-client', CLIENT],
    });
  });
  afterAll(() => pool.close());

  const verify = async (token: string) => verifier.verify(`Bearer ${token}`, Date.now());
  const refusal = async (token: string) => {
    try {
      await verify(token);
    } catch (error) {
      return { code: (error as { code: string }).code, message: (error as Error).message };
    }
    return { code: 'accepted', message: '' };
  };

  it('accepts an access token of a configured app client, the admin role from cognito:groups', async () => {
    expect(await verify(await pool.accessToken('alice'))).toEqual({ userId: 'alice', isAdmin: false });
    expect(await verify(await pool.accessToken('ops', ['admin', 'staff']))).toEqual({
      userId: 'ops',
      isAdmin: true,
    });
    expect(pool.fetches()).toBeGreaterThanOrEqual(1);
  });

  it('refuses an ID token, another client, another issuer, an empty sub, an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    const cases = {
      idToken: await pool.idToken('alice', ['admin']),
      otherClient: await pool.accessToken('alice', [], { client_id: 'someone-elses-client' }),
      noClient: await pool.accessToken('alice', [], { client_id: undefined }),
      otherIssuer: await pool.accessToken('alice', [], {
        iss: 'https://cognito-idp.eu-west-1.amazonaws.com/x',
      }),
      emptySub: await pool.accessToken('', []),
      expired: await pool.accessToken('alice', [], { exp: past }),
      groupsNotAList: await pool.accessToken('alice', [], { 'cognito:groups': 'admin' }),
    };
    const answers: Record<string, { code: string; message: string }> = Object.fromEntries(
      await Promise.all(Object.entries(cases).map(async ([name, token]) => [name, await refusal(token)])),
    );
    for (const answer of Object.values(answers)) expect(answer.code).toBe('unauthorized');
    expect(answers.idToken!.message).toMatch(/access token is due/);
    expect(answers.otherClient!.message).toMatch(/client_id/);
    expect(answers.otherIssuer!.message).toMatch(/iss/);
    expect(answers.emptySub!.message).toMatch(/sub/);
    expect(answers.expired!.message).toMatch(/expired/);
  });

  it('refuses alg none and a token signed by a key the pool does not publish', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const [, payload] = (await pool.accessToken('alice')).split('.');
    expect((await refusal(`${header}.${payload}.`)).code).toBe('unauthorized');
    const { privateKey } = await generateKeyPair('RS256');
    const stranger = await new SignJWT({ token_use: 'access', client_id: CLIENT })
      .setProtectedHeader({ alg: 'RS256', kid: 'unknown' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await refusal(stranger)).code).toBe('unauthorized');
  });
});

describe('the Node server with JWKS_URL', () => {
  let pool: Awaited<ReturnType<typeof startUserPool>>;
  let server: TestServer;

  beforeAll(async () => {
    pool = await startUserPool();
    server = await startTestServer({
      flags: [
        '--auth',
        'jwks',
        '--jwks-url',
        pool.jwksUrl.href,
        '--jwt-issuer',
        ISSUER,
        '--jwt-client-ids',
        CLIENT,
      ],
    });
  });
  afterAll(async () => {
    await server.close();
    await pool.close();
  });

  it('takes Cognito access tokens, refuses ID tokens, and issues none of its own', async () => {
    expect(server.node.issuer).toBeUndefined();
    const admin = await pool.accessToken('ops', ['admin']);
    const created = await api(server.url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(Date.now()),
    });
    expect(created.status).toBe(201);
    const buy = (token: string) =>
      api(server.url, `/v1/sales/${created.json.id}/purchase`, {
        method: 'POST',
        token,
        body: { quantity: 1, idempotencyKey: randomUUID() },
      });
    expect((await buy(await pool.accessToken('alice'))).status).toBe(201);
    const id = await buy(await pool.idToken('alice'));
    expect({ status: id.status, code: id.json.error.code }).toEqual({ status: 401, code: 'unauthorized' });
    const shopperAsAdmin = await api(server.url, '/v1/sales', {
      method: 'POST',
      token: await pool.accessToken('alice'),
      body: saleRequestBody(Date.now()),
    });
    expect(shopperAsAdmin.status).toBe(403);
    expect((await api(server.url, '/.well-known/jwks.json')).status).toBe(404);
  });
});
