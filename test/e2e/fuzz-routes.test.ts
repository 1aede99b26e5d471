import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalIssuer, loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import { HTTP_STATUS } from '../../src/http/error-catalogue.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { type FuzzTargets, fuzzRequest } from '../support/fuzz-requests.ts';
import { api } from '../support/http-client.ts';
import { keepAliveAgent, type RawRequest, type RawResponse, rawRequest } from '../support/raw-http.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

/** FUZZ_SEED replays a failing run; FUZZ_RUNS makes a longer one. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 16;
const CODES = new Set(Object.keys(HTTP_STATUS));

describe('every route of /openapi.json under hostile requests', () => {
  let server: ServerProcess;
  let dataDir: string;
  let issuer: LocalIssuer;
  let admin: string;
  let owner: string;
  let targets: FuzzTargets;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'flashsale-fuzz-'));
    server = await spawnServer([
      '--data-dir',
      dataDir,
      '--demo-sale',
      'false',
      '--rate-limit-per-second',
      '0',
      '--rate-limit-ip-per-second',
      '1000000',
      '--trusted-proxies',
      '127.0.0.0/8',
    ]);
    issuer = await loadLocalIssuer(dataDir);
    admin = await issuer.sign({ sub: 'fuzz-admin', admin: true });
    owner = await issuer.sign({ sub: 'fuzz-owner', admin: false });
    const create = async (overrides: Record<string, unknown>) => {
      const response = await api(server.url, '/v1/sales', {
        method: 'POST',
        token: admin,
        body: saleRequestBody(Date.now(), overrides),
      });
      expect(response.status).toBe(201);
      return response.json.id as string;
    };
    const plainSaleId = await create({ stock: 50 });
    const tokenSaleId = await create({ stock: 50, purchaseToken: true });
    const bought = await api(server.url, `/v1/sales/${plainSaleId}/purchase`, {
      method: 'POST',
      token: owner,
      body: { quantity: 1, idempotencyKey: 'owner-1' },
    });
    expect(bought.status).toBe(201);
    const doc = (await api(server.url, '/openapi.json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    // GraphQL answers in its own protocol (errors in a 200 body): test/e2e/graphql-fuzz.test.ts fuzzes it.
    const routes = Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith('/graphql'))
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
      );
    targets = {
      routes,
      plainSaleId,
      tokenSaleId,
      foreignOrderId: bought.json.orderId,
      shopperToken: await issuer.sign({ sub: 'fuzz-shopper', admin: false }),
      adminToken: admin,
      badTokens: await badTokens(dataDir, issuer),
    };
  });

  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What a refused request must leave as it was: the sales and units left, their audits, the orders, the dead letters. */
  async function fingerprint() {
    const sales = (await api(server.url, '/v1/sales')).json.sales as { id: string }[];
    const audits = [];
    for (const sale of sales)
      audits.push((await api(server.url, `/v1/sales/${sale.id}/audit`, { token: admin })).json);
    return {
      sales,
      audits,
      order: (await api(server.url, `/v1/orders/${targets.foreignOrderId}`, { token: owner })).json,
      deadLetters: (await api(server.url, '/v1/admin/dead-letters', { token: admin })).json,
    };
  }

  it('refuses each malformed, expired, foreign-signed or misused token with 401 unauthorized', async () => {
    for (const token of targets.badTokens) {
      const response = await api(server.url, '/v1/admin/dead-letters', { token });
      expect({ token, status: response.status, code: response.json.error.code }).toEqual({
        token,
        status: 401,
        code: 'unauthorized',
      });
    }
  });

  it.each([
    ['bytes that are not HTTP', 'GARBAGE\r\n\r\n', 400, 'malformed_request'],
    ['an unknown method', 'BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'malformed_request'],
    [
      'a header line with no colon',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n',
      400,
      'malformed_request',
    ],
    [
      'headers over the limit',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
  ])(
    'answers %s, which node:http refuses before the app, with the catalogued error body',
    async (_name, bytes, status, code) => {
      const answer = await rawExchange(server.url, bytes);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head!.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${STATUS_CODES[status]}`);
      expect(head).toMatch(/^x-request-id: [0-9a-f-]{36}$/m);
      expect(JSON.parse(body!)).toEqual({ error: { code, message: expect.any(String) } });
      expect(HTTP_STATUS[code as keyof typeof HTTP_STATUS]).toBe(status);
    },
  );

  it('answers a HEAD whose headers are over the limit with no body', async () => {
    const answer = await rawExchange(
      server.url,
      `HEAD /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
  });

  it(`answers ${RUNS} hostile requests with no 5xx, a catalogued error body, and the store unchanged`, async () => {
    const before = await fingerprint();
    expect(before.sales).toHaveLength(2);
    expect(before.audits.map((a) => a.ok)).toEqual([true, true]);
    const requests = fc.sample(fuzzRequest(targets), { seed: SEED, numRuns: RUNS });
    const agent = keepAliveAgent(CONCURRENCY);
    const failures: string[] = [];
    const seen = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const { raw } = requests[next++]!;
        const response = await rawRequest(server.url, agent, raw).catch((error: Error) => error);
        if (response instanceof Error) {
          failures.push(`${describeRequest(raw)} -> ${response.message}`);
          continue;
        }
        const code = problemsOf(raw, response, failures);
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();

    expect(failures.slice(0, 10), `seed ${SEED}: ${failures.length} failures`).toEqual([]);
    // The fuzz reached past the first checks: each of these refusals was met.
    for (const code of [
      'invalid_json',
      'validation_failed',
      'unauthorized',
      'forbidden',
      'not_found',
      'sale_not_found',
      'order_not_found',
      'method_not_allowed',
      'payload_too_large',
      'unsupported_media_type',
    ]) {
      expect(seen.get(code) ?? 0, `${code} in ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    }
    const purchaseTokenRefusals =
      (seen.get('purchase_token_required') ?? 0) + (seen.get('purchase_token_invalid') ?? 0);
    expect(purchaseTokenRefusals).toBeGreaterThan(0);
    expect(await fingerprint()).toEqual(before);
    expect((await api(server.url, '/healthz')).status).toBe(200);
    expect((await api(server.url, '/readyz')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(server.stderr()).not.toContain('"level":"error"');
  }, 120_000);
});

/** Writes bytes on a fresh connection and reads all the server sends back until it closes. */
function rawExchange(baseUrl: string, bytes: string): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

/** The refusal's code (or the status for an answer), after noting what is wrong with the answer. */
function problemsOf(raw: RawRequest, response: RawResponse, failures: string[]): string {
  const fail = (why: string) => failures.push(`${describeRequest(raw)} -> ${response.status} ${why}`);
  if (response.status >= 500) fail(`server error ${response.body.slice(0, 200)}`);
  if (raw.method !== 'GET' && raw.method !== 'HEAD' && response.status < 400) fail('a write was accepted');
  if (!/^[A-Za-z0-9._:@/+=-]{1,128}$/.test(String(response.headers['x-request-id'])))
    fail('no sane X-Request-Id');
  if (response.status < 400 || raw.method === 'HEAD') return String(response.status);
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(response.body) as { error?: typeof error }).error;
  } catch {
    fail(`body is not JSON: ${response.body.slice(0, 100)}`);
    return 'unparsed';
  }
  const code = String(error?.code);
  if (!CODES.has(code)) fail(`code ${code} is not in the catalogue`);
  else if (HTTP_STATUS[code as keyof typeof HTTP_STATUS] !== response.status)
    fail(`code ${code} with this status`);
  if (typeof error?.message !== 'string' || error.message.length === 0) fail('no message');
  return code;
}

function describeRequest(raw: RawRequest): string {
  const cut = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}…(${s.length})` : s);
  return `${raw.method} ${cut(raw.path)} ${cut(JSON.stringify(raw.headers))} ${cut(raw.body ?? '')}`;
}

/** Tokens the server must refuse, each for another reason. */
async function badTokens(dataDir: string, issuer: LocalIssuer): Promise<string[]> {
  const serverKey = JSON.parse(readFileSync(join(dataDir, 'signing-key.json'), 'utf8')) as JWK;
  const signed = async (
    key: Parameters<SignJWT['sign']>[0],
    claims: Record<string, unknown>,
    kid = serverKey.kid!,
  ) =>
    new SignJWT({ token_use: 'access', client_id: 'flashsale-local-client', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setSubject('fuzz-intruder')
      .setIssuer('flashsale-local')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
  const own = await importJWK(serverKey, 'ES256');
  const foreign = (await generateKeyPair('ES256')).privateKey;
  const shopper = await issuer.sign({ sub: 'fuzz-shopper', admin: false });
  const [head, , signature] = shopper.split('.');
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const adminClaims = { sub: 'fuzz-shopper', 'cognito:groups': ['admin'], token_use: 'access', exp: 4e9 };
  return [
    'not-a-jwt',
    'a.b.c',
    `${head}.${b64(adminClaims)}.${signature}`, // a shopper's signature on an admin's claims
    `${b64({ alg: 'none' })}.${b64(adminClaims)}.`,
    await issuer.sign({ sub: 'fuzz-shopper', admin: false, ttlSeconds: -60 }), // expired
    await signed(foreign, { 'cognito:groups': ['admin'] }), // another key, the server's key id
    await signed(own, { token_use: 'id' }),
    await signed(own, { client_id: 'another-app' }),
    shopper.slice(0, -4),
  ];
}
