import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { openSnapshotStream } from '../support/sse-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** A raw GET, so that the path reaches the server exactly as written (fetch would normalise ../). */
function rawGet(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard page, served by the server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.close();
  });

  it('serves the page without a token, with a strict content security policy and no caching', async () => {
    const page = await api(server.url, '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain('operator dashboard');
    expect((await api(server.url, '/dashboard/')).status).toBe(200);
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard');
  });

  it('serves each built file with its content type, cached for good (the names carry a content hash)', async () => {
    const page = await api(server.url, '/dashboard');
    const referenced = [...page.text.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map(
      (m) => m[1]!,
    );
    const built = readdirSync(new URL('../../dashboard/dist/assets', import.meta.url)).map(
      (name) => `/dashboard/assets/${name}`,
    );
    expect(referenced.sort()).toEqual(built.sort());
    for (const path of referenced) {
      const file = await api(server.url, path);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe(
        path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      );
      expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('answers 404 to any path that is not a built file, traversal attempts included', async () => {
    for (const path of [
      '/dashboard/../package.json',
      '/dashboard/..%2f..%2fpackage.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/assets/../../../src/config.ts',
      '/dashboard/index.html/..',
      '/dashboard/assets/missing.js',
      '/dashboard/vite.config.ts',
      '/dashboard/src/main.ts',
    ]) {
      expect([path, await rawGet(server.url, path)]).toEqual([path, 404]);
    }
  });

  it('leaves the page files out of the OpenAPI document but lists the stream', async () => {
    const doc = await api(server.url, '/openapi.json');
    const paths = Object.keys(doc.json.paths);
    expect(paths).toContain('/v1/admin/dashboard/stream');
    expect(paths).toContain('/dashboard');
    expect(paths.filter((p) => p.startsWith('/dashboard/'))).toEqual([]);
  });
});

describe('the dashboard with several HTTP threads', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--http-threads', '2'] });
  });

  afterAll(async () => {
    await server.close();
  });

  it('streams the same figures whichever thread takes the connection', async () => {
    const sale = await server.createSale({ stock: 7, name: 'Threads' });
    const token = await server.adminToken();
    // The kernel spreads connections over the threads: with eight, both threads almost surely get some.
    const streams = await Promise.all(Array.from({ length: 8 }, () => openSnapshotStream(server.url, token)));
    try {
      for (const stream of streams) {
        expect(stream.status).toBe(200);
        const snapshot = await stream.until((s) => s.sales.some((x) => x.id === sale.id));
        expect(snapshot.sales.find((x) => x.id === sale.id)).toMatchObject({ stock: 7, available: 7 });
      }
      for (let i = 0; i < 10; i++) expect((await api(server.url, '/dashboard')).status).toBe(200);
    } finally {
      for (const stream of streams) stream.close();
    }
  });
});

describe('a server shutting down with the dashboard open', () => {
  it('ends the open streams, so that it stops at once', async () => {
    const server = await startTestServer();
    const stream = await openSnapshotStream(server.url, await server.adminToken());
    await stream.until(() => true);
    const closing = server.close();
    await stream.ended;
    await closing;
    expect(stream.received.length).toBeGreaterThan(0);
  });
});
