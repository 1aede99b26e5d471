import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../../src/app/deps.ts';
import {
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  type LocalIssuer,
  loadLocalIssuer,
} from '../../../src/http/auth/local-issuer.ts';
import { createTokenVerifier } from '../../../src/http/auth/token-verifier.ts';
import { createHttpApp, type HttpApp } from '../../../src/http/http-app.ts';
import type { HttpRequest } from '../../../src/http/types.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import { noMetrics } from '../../../src/ports/metrics.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { saleRequestBody } from '../../support/fixtures.ts';
import { ManualClock } from '../../support/manual-clock.ts';

// Route tests call the app directly: no socket, the same handle() every runtime calls.
describe('the HTTP app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-app-'));
  let backend: Backend;
  let issuer: LocalIssuer;
  let app: HttpApp;
  let brokenApp: HttpApp;
  const failures: unknown[] = [];

  beforeAll(async () => {
    backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    issuer = await loadLocalIssuer(dir);
    const deps: AppDeps = {
      ...backend,
      clock: new ManualClock(),
      metrics: noMetrics,
      purchaseLimiter: undefined,
    };
    const verifier = createTokenVerifier({
      jwks: issuer.jwks,
      issuer: LOCAL_ISSUER,
      clientIds: [LOCAL_CLIENT_ID],
    });
    app = createHttpApp({ deps, verifier });
    const brokenLedger = {
      ...backend.ledger,
      getSale: () => Promise.reject(new Error('disk on fire')),
      reserve: () => Promise.reject(new Error('disk on fire')),
      openSale: () => Promise.reject(new TypeError('cannot read properties of undefined (disk on fire)')),
    };
    brokenApp = createHttpApp({
      deps: { ...deps, ledger: brokenLedger },
      verifier,
      onError: (error) => failures.push(error),
    });
  });
  afterAll(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (method: string, url: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
    method,
    url,
    headers: {},
    body: '',
    ...extra,
  });

  it('creates and reads a sale without a socket', async () => {
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const now = Date.now();
    const created = await app.handle(
      request('POST', '/v1/sales', {
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          saleRequestBody(now, {
            stock: 3,
            startsAt: new Date(now + 60_000).toISOString(),
            endsAt: new Date(now + 120_000).toISOString(),
          }),
        ),
      }),
    );
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body);
    const read = await app.handle(request('GET', `/v1/sales/${id}?fields=all`));
    expect(JSON.parse(read.body)).toMatchObject({ id, status: 'upcoming', available: 3 });
    expect(read.headers['content-type']).toContain('application/json');
  });

  it('routes by method and path: a trailing slash, %-encoded parameters, 404 and 405', async () => {
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const now = Date.now();
    const created = await app.handle(
      request('POST', '/v1/sales/', {
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(saleRequestBody(now, { stock: 2 })),
      }),
    );
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    // Parameters are decoded: an id sent %-encoded is the same sale.
    const encoded = [...id].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    expect(JSON.parse((await app.handle(request('GET', `/v1/sales/${encoded}/`))).body)).toMatchObject({
      id,
    });

    const codeOf = async (method: string, url: string) => {
      const response = await app.handle(request(method, url));
      return [response.status, JSON.parse(response.body).error?.code];
    };
    expect(await codeOf('GET', '/v1/sales/%E0%A4%A/purchase')).toEqual([404, 'not_found']);
    expect(await codeOf('GET', '/v1/nothing-here')).toEqual([404, 'not_found']);
    expect(await codeOf('DELETE', `/v1/sales/${id}`)).toEqual([405, 'method_not_allowed']);
    const wrongMethod = await app.handle(request('GET', `/v1/sales/${id}/purchase`));
    expect(JSON.parse(wrongMethod.body).error.details).toEqual({ allow: ['POST'] });
    expect((await app.handle(request('HEAD', `/v1/sales/${id}`))).status).toBe(200);
  });

  it('answers a path asked again, and after more other paths than it keeps matches of, as the first time', async () => {
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const created = await app.handle(
      request('POST', '/v1/sales', {
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(saleRequestBody(Date.now(), { stock: 2 })),
      }),
    );
    const { id } = JSON.parse(created.body) as { id: string };
    const idOf = async (url: string) => JSON.parse((await app.handle(request('GET', url))).body).id;
    expect(await idOf(`/v1/sales/${id}`)).toBe(id);
    // Each path's parameter is its own: a match kept for one path never answers another.
    for (let i = 0; i < 1_100; i++) {
      const other = await app.handle(request('GET', `/v1/sales/no-such-sale-${i}`));
      expect([other.status, JSON.parse(other.body).error.code]).toEqual([404, 'sale_not_found']);
    }
    expect(await idOf(`/v1/sales/${id}`)).toBe(id);
    expect(await idOf(`/v1/sales/${id}/`)).toBe(id);
    expect((await app.handle(request('GET', '/v1/sales/%E0%A4%A'))).status).toBe(404);
    expect((await app.handle(request('GET', '/v1/sales/%E0%A4%A'))).status).toBe(404);
  });
  it('answers a store that does not answer a read with 503, reports it, and leaks nothing', async () => {
    const response = await brokenApp.handle(request('GET', '/v1/sales/x'));
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body).error.code).toBe('backend_unavailable');
    expect(response.headers['retry-after']).toBe('1');
    expect(response.body).not.toContain('disk on fire');
    expect(failures).toHaveLength(1);
  });

  it('answers a store fault during a purchase with 503 and tells the shopper to retry with the same key', async () => {
    const token = await issuer.sign({ sub: 'alice', admin: false });
    const response = await brokenApp.handle(
      request('POST', '/v1/sales/x/purchase', {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 1, idempotencyKey: 'k' }),
      }),
    );
    expect(response.status).toBe(503);
    const { error } = JSON.parse(response.body);
    expect(error.code).toBe('backend_unavailable');
    expect(error.message).toContain('same idempotencyKey');
    expect(failures).toHaveLength(2);
  });

  it('answers a fault that is no store outage with 500 internal_error, reports it, and leaks nothing', async () => {
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const now = Date.now();
    const response = await brokenApp.handle(
      request('POST', '/v1/sales', {
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(saleRequestBody(now)),
      }),
    );
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body).error.code).toBe('internal_error');
    expect(response.body).not.toContain('disk on fire');
    expect(failures).toHaveLength(3);
  });

  it('reports readiness from the store', async () => {
    expect((await app.handle(request('GET', '/readyz'))).status).toBe(200);
    const broken = createHttpApp({
      deps: {
        ...backend,
        ledger: { ...backend.ledger, ping: () => Promise.reject(new Error('gone')) },
        clock: new ManualClock(),
        metrics: noMetrics,
        purchaseLimiter: undefined,
      },
      verifier: createTokenVerifier({
        jwks: issuer.jwks,
        issuer: LOCAL_ISSUER,
        clientIds: [LOCAL_CLIENT_ID],
      }),
    });
    const response = await broken.handle(request('GET', '/readyz'));
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body).error.code).toBe('backend_unavailable');
  });
});

describe('the HTTP app observes every answer under its route', () => {
  it('labels a refusal with the route it matched, and an unknown path as unmatched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashsale-observe-'));
    const backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    try {
      const issuer = await loadLocalIssuer(dir);
      const seen: Array<[string, number]> = [];
      const app = createHttpApp({
        deps: { ...backend, clock: new ManualClock(), metrics: noMetrics, purchaseLimiter: undefined },
        verifier: createTokenVerifier({
          jwks: issuer.jwks,
          issuer: LOCAL_ISSUER,
          clientIds: [LOCAL_CLIENT_ID],
        }),
        observe: (route, status) => seen.push([route, status]),
      });
      const shopper = await issuer.sign({ sub: 'ann', admin: false });
      await app.handle({
        method: 'POST',
        url: '/v1/sales/no-such-sale/purchase',
        headers: { authorization: `Bearer ${shopper}`, 'content-type': 'application/json' },
        body: '{"quantity":1,"idempotencyKey":"k"}',
      });
      await app.handle({ method: 'GET', url: '/nowhere', headers: {}, body: '' });
      expect(seen).toEqual([
        ['/v1/sales/:id/purchase', 404],
        ['unmatched', 404],
      ]);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
