import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';
import { startTestServer } from '../support/test-server.ts';

const DEADLINE_MS = 3_000;

/** A raw connection that keeps whatever the server sends back. */
async function rawSocket(
  url: string,
): Promise<{ socket: Socket; received: () => string; closed: Promise<unknown> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  socket.on('error', () => {});
  return { socket, received: () => text, closed: once(socket, 'close') };
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('graceful shutdown of a real server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-shutdown-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM closes half-sent requests, answers the one in flight, and exits within the deadline', async () => {
    server = await spawnServer(['--data-dir', dir, '--shutdown-timeout-ms', String(DEADLINE_MS)]);
    await until(() => server!.stdout().includes('Demo sale'));
    const token = await (await loadLocalIssuer(dir)).sign({ sub: 'alice', admin: false });
    const saleId = /Demo sale (\S+):/.exec(server.stdout())![1]!;

    // Half a request line and headers: never reaches the app.
    const halfHeaders = await rawSocket(server.url);
    halfHeaders.socket.write(`GET /v1/sales/${saleId} HTTP/1.1\r\nHost: x\r\n`);
    // A purchase whose body is half sent when the signal comes, and finished after it.
    const body = JSON.stringify({ quantity: 1, idempotencyKey: 'during-shutdown' });
    const inFlight = await rawSocket(server.url);
    inFlight.socket.write(
      `POST /v1/sales/${saleId}/purchase HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    // A request whose body never comes: in flight until the deadline closes it.
    const stalled = await rawSocket(server.url);
    stalled.socket.write(
      `POST /v1/sales/${saleId}/purchase HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"quantity"`,
    );
    // Both bodied requests are in the handler (the scrape itself is the third).
    await until(async () => {
      const text = await (await fetch(`${server!.url}/metrics`)).text();
      return /^flashsale_http_requests_in_flight 3$/m.test(text);
    });

    const exited = once(server.child, 'exit');
    const signalledAt = performance.now();
    server.child.kill('SIGTERM');
    await halfHeaders.closed;
    expect(halfHeaders.received()).toBe('');
    // New connections are refused at once.
    await until(async () => {
      try {
        await fetch(`${server!.url}/healthz`);
        return false;
      } catch {
        return true;
      }
    });

    inFlight.socket.write(body.slice(10));
    await until(() => inFlight.received().includes('\r\n\r\n{'));
    expect(inFlight.received()).toMatch(/^HTTP\/1\.1 201 /);
    expect(inFlight.received()).toContain('"status":"reserved"');
    expect(inFlight.received().toLowerCase()).toContain('connection: close');

    const [code] = (await exited) as [number | null];
    const tookMs = performance.now() - signalledAt;
    expect(code).toBe(0);
    // It waited for the stalled request up to the deadline, not for the 20 s a stalled socket used to cost.
    expect(tookMs).toBeGreaterThanOrEqual(DEADLINE_MS - 200);
    expect(tookMs).toBeLessThan(DEADLINE_MS + 4_000);
    await stalled.closed;
    expect(stalled.received()).toBe('');
    expect(server.stderr()).toMatch(/"message":"shutting down"/);
  });
});

describe('readiness during shutdown', () => {
  it('answers 503 on /readyz from the moment close() starts', async () => {
    const server = await startTestServer();
    const ready = () => server.node.app.handle({ method: 'GET', url: '/readyz', headers: {}, body: '' });
    expect((await ready()).status).toBe(200);
    const closing = server.close();
    const answer = await ready();
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'backend_unavailable' });
    expect(JSON.parse(answer.body).error.message).toContain('shutting down');
    expect(answer.headers['retry-after']).toBe('1');
    await closing;
  });
});
