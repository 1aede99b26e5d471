import { readFileSync, writeFileSync } from 'node:fs';
import type { PreparedLoad, RunningLoad } from './generator-process.ts';
import { spawnGenerator } from './generator-process.ts';
import type { LoadPlan, LoadResult } from './types.ts';

const GENERATOR = new URL('load-generator.ts', import.meta.url).pathname;

/** Starts the autocannon generator (bench/stampede/load-generator.ts) in its own Node process, held until go(). */
export async function prepareAutocannon(plan: LoadPlan): Promise<PreparedLoad> {
  const planFile = `${plan.resultFile}.plan.json`;
  writeFileSync(planFile, JSON.stringify(plan));
  const generator = await spawnGenerator('autocannon', process.execPath, [GENERATOR, planFile], {}, 1);
  const running: RunningLoad = {
    pid: generator.pid,
    answers: generator.answers,
    async stop() {
      await generator.interrupt();
      return JSON.parse(readFileSync(plan.resultFile, 'utf8')) as LoadResult;
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

export function autocannonVersion(): string {
  const manifest = new URL('package.json', import.meta.resolve('autocannon'));
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
