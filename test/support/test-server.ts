import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { type RunningNode, type StartOptions, startNode } from '../../src/runtime/node/start.ts';
import { saleRequestBody } from './fixtures.ts';
import { api } from './http-client.ts';

export interface TestServer {
  readonly url: string;
  readonly node: RunningNode;
  readonly dataDir: string;
  token(sub: string, options?: { admin?: boolean; ttlSeconds?: number }): Promise<string>;
  adminToken(): Promise<string>;
  /** Creates a sale through the API (admin) and returns its JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
  createSale(overrides?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

export interface TestServerOptions extends StartOptions {
  readonly clock?: Clock;
  /** Extra config flags, e.g. ['--rate-limit-per-second', '0']. */
  readonly flags?: readonly string[];
}

/** A real server on a free port with its own temporary data directory. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-test-'));
  const config: Config = loadConfig(
    [
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--demo-sale',
      'false',
      '--auth',
      'local',
      // One HTTP thread unless a test asks (a later flag wins): an extra thread takes a while to start,
      // and most tests are about the app. Tests of the threads pass --http-threads themselves.
      '--http-threads',
      '1',
      ...(options.flags ?? []),
    ],
    {},
  );
  const node = await startNode(config, silentLogger, options);
  const issuer = node.issuer!;
  const adminToken = () => issuer.sign({ sub: 'admin', admin: true });
  return {
    url: node.url,
    node,
    dataDir,
    token: (sub, o = {}) =>
      issuer.sign({
        sub,
        admin: o.admin ?? false,
        ...(o.ttlSeconds === undefined ? {} : { ttlSeconds: o.ttlSeconds }),
      }),
    adminToken,
    async createSale(overrides = {}) {
      const now = (options.clock ?? { now: () => Date.now() }).now();
      const response = await api(node.url, '/v1/sales', {
        method: 'POST',
        token: await adminToken(),
        body: saleRequestBody(now, overrides),
      });
      if (response.status !== 201) throw new Error(`createSale: ${response.status} ${response.text}`);
      return response.json;
    },
    async close() {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
