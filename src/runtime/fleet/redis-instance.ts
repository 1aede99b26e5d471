import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './free-port.ts';
import { type FleetContext, launch, type ManagedProcess } from './managed-process.ts';
import { waitUntil } from './wait-until.ts';

export interface RedisInstance {
  readonly url: string;
  readonly version: string;
  readonly process: ManagedProcess;
}

/**
 * redis-server from PATH, its data in `<dataDir>/redis`, on a free port of
 * its own, with the append-only file fsync'd on every write: what the
 * cluster shape needs for an answered reservation to survive a crash.
 * Resolves once it answers PING (after replaying its AOF).
 */
export async function startRedis({ dataDir, logDir, signal, started }: FleetContext): Promise<RedisInstance> {
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const { stdout } = await promisify(execFile)('redis-server', ['--version']).catch(() => {
    throw new Error('redis-server is not on PATH: install Redis (apt-get install redis-server)');
  });
  const version = /v=(\S+)/.exec(stdout)?.[1] ?? 'unknown version';
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'];
  const durability = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
  const process = await launch('redis', 'redis-server', [...args, ...durability], {
    logFile: join(logDir, 'redis.log'),
  });
  started(process);
  const url = `redis://127.0.0.1:${port}`;
  await waitUntil(process, 'answering', () => ping(url), { timeoutMs: 60_000, signal });
  return { url, version, process };
}

async function ping(url: string): Promise<true | undefined> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    // While it replays the AOF the server answers LOADING: wait for a real answer.
    return (await probe.ping()) === 'PONG' ? true : undefined;
  } finally {
    probe.disconnect();
  }
}
