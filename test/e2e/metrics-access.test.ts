import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const TOKEN = 'scraper-secret-0123456789';

describe('/metrics on a port of its own, behind a token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--metrics-port', '0', '--metrics-token', TOKEN] });
  });
  afterAll(() => server.close());

  it('serves metrics on the metrics port to the holder of the token, and not on the API port', async () => {
    const metrics = new URL(server.node.metricsUrl);
    expect(metrics.port).not.toBe(new URL(server.url).port);
    const base = metrics.origin;
    const scraped = await api(base, '/metrics', { token: TOKEN });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toMatch(/^# HELP /m);
    for (const token of [undefined, 'wrong', `${TOKEN}x`]) {
      const refused = await api(base, '/metrics', token === undefined ? {} : { token });
      expect({ status: refused.status, code: refused.json.error.code }).toEqual({
        status: 401,
        code: 'unauthorized',
      });
    }
    expect((await api(base, '/v1/sales', { token: TOKEN })).status).toBe(404);
    expect((await api(server.url, '/metrics', { token: TOKEN })).status).toBe(404);
    expect((await api(server.url, '/healthz')).status).toBe(200);
  });
});

describe('/metrics on the API port with a token', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--metrics-token', TOKEN] });
  });
  afterAll(() => server.close());

  it('asks for the token there too', async () => {
    expect(server.node.metricsUrl).toBe(`${server.url}/metrics`);
    expect((await api(server.url, '/metrics')).status).toBe(401);
    expect((await api(server.url, '/metrics', { token: TOKEN })).status).toBe(200);
  });
});
