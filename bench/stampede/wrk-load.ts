import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreparedLoad, RunningLoad } from './generator-process.ts';
import { spawnGenerator } from './generator-process.ts';
import type { LoadPlan, LoadResult } from './types.ts';
import { parseWrkOutput } from './wrk-output.ts';

const SCRIPT = new URL('wrk-purchase.lua', import.meta.url).pathname;

/** What the Lua script's done() wrote: answers by status and outcome, and the 201s' order ids. */
export function parseScriptResult(text: string): Pick<LoadResult, 'statuses' | 'outcomes' | 'orderIds'> {
  const statuses: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const orderIds: string[] = [];
  for (const line of text.split('\n')) {
    const [kind, name, count] = line.split(' ');
    if (kind === 'order' && name !== undefined) orderIds.push(name);
    else if (kind === 'status' && name !== undefined) statuses[name] = Number(count);
    else if (kind === 'outcome' && name !== undefined) outcomes[name] = Number(count);
  }
  return { statuses, outcomes, orderIds };
}

/**
 * Starts wrk (C, one event loop per thread) with the purchase script, held
 * until go(). The run is given an hour: the bench ends it with SIGINT, on
 * which wrk still prints its summary and calls the script's done().
 */
export async function prepareWrk(plan: LoadPlan): Promise<PreparedLoad> {
  const generator = await spawnGenerator(
    'wrk',
    'wrk',
    [
      '--threads',
      String(plan.threads),
      '--connections',
      String(plan.connections),
      '--duration',
      '1h',
      '--timeout',
      '10s',
      '--latency',
      '--script',
      SCRIPT,
      `${plan.url}${plan.path}`,
    ],
    {
      STAMPEDE_TOKENS: plan.tokensFile,
      STAMPEDE_KEY_PREFIX: plan.keyPrefix,
      STAMPEDE_RESULT: plan.resultFile,
      STAMPEDE_THREADS: String(plan.threads),
      STAMPEDE_GRAPHQL_SALE: plan.graphqlSaleId ?? '',
    },
    plan.threads,
  );
  const running: RunningLoad = {
    pid: generator.pid,
    answers: generator.answers,
    async stop() {
      const summary = parseWrkOutput(await generator.interrupt());
      const counted = parseScriptResult(readFileSync(plan.resultFile, 'utf8'));
      const errors = summary.socketErrors;
      return {
        requests: summary.requests,
        seconds: summary.seconds,
        requestsPerSecond: summary.requests / Math.max(summary.seconds, 0.001),
        latencyMs: summary.latencyMs,
        ...counted,
        socketErrors: errors.connect + errors.read + errors.write + errors.timeout,
        timeouts: errors.timeout,
      };
    },
  };
  return {
    pid: generator.pid,
    async go() {
      await generator.go();
      return running;
    },
  };
}

/** wrk's version line (`wrk debian/4.1.0-3 [epoll] ...`), or undefined when wrk is not on PATH. */
export function wrkVersion(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, 'wrk'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!onPath) return undefined;
  // `wrk -v` prints the version and its usage, and exits 1.
  const { stdout } = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  return (
    stdout
      .split('\n')[0]
      ?.replace(/ Copyright.*$/, '')
      .trim() || 'wrk'
  );
}
