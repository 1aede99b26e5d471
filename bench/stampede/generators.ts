import { autocannonVersion, prepareAutocannon } from './autocannon-load.ts';
import type { PreparedLoad } from './generator-process.ts';
import type { GeneratorName, LoadPlan } from './types.ts';
import { prepareWrk, wrkVersion } from './wrk-load.ts';

export interface LoadGenerator {
  readonly name: GeneratorName;
  readonly version: string;
  /** Starts a generator process that waits for go(). */
  prepare(plan: LoadPlan): Promise<PreparedLoad>;
}

export type GeneratorChoice =
  | { readonly ok: true; readonly generator: LoadGenerator; readonly warning?: string }
  | { readonly ok: false; readonly error: string };

const AUTOCANNON_WARNING =
  'the load generator is autocannon: it runs on one Node event loop and tops out near 40,000–46,000 ' +
  'requests/s on a 2-core machine, so it is probably the ceiling and the ratios understate the server. ' +
  'Install wrk (apt-get install wrk) for figures the generator does not cap.';

/** wrk when asked for or when it is on PATH, else autocannon (with a warning). */
export function chooseGenerator(requested: string | undefined): GeneratorChoice {
  if (requested !== undefined && requested !== 'wrk' && requested !== 'autocannon') {
    return { ok: false, error: `--generator must be wrk or autocannon, got ${requested}` };
  }
  const autocannon: LoadGenerator = {
    name: 'autocannon',
    version: `autocannon ${autocannonVersion()}`,
    prepare: prepareAutocannon,
  };
  if (requested === 'autocannon') return { ok: true, generator: autocannon, warning: AUTOCANNON_WARNING };
  const version = wrkVersion();
  if (version !== undefined) return { ok: true, generator: { name: 'wrk', version, prepare: prepareWrk } };
  if (requested === 'wrk') {
    return { ok: false, error: '--generator wrk: wrk is not on PATH (apt-get install wrk)' };
  }
  return {
    ok: true,
    generator: autocannon,
    warning: `wrk is not on PATH, falling back to autocannon. ${AUTOCANNON_WARNING}`,
  };
}
