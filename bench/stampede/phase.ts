import type { PreparedLoad, RunningLoad } from './generator-process.ts';
import {
  busiestThread,
  cpuSeconds,
  cpuShare,
  type ThreadCpu,
  threadCpuSeconds,
  treeCpuSeconds,
} from './process-cpu.ts';
import type { LoadPlan, PhaseSummary } from './types.ts';

export interface PhaseOptions {
  readonly name: string;
  readonly prepare: (plan: LoadPlan) => Promise<PreparedLoad>;
  readonly plan: LoadPlan;
  /** The processes serving the load, whose CPU the phase reports. */
  readonly serverPids: readonly number[];
  /** When the run started (the phase's seconds count from there). */
  readonly originMs: number;
  readonly cores: number;
  /** More to say on each progress line (the server's side). */
  readonly describe?: () => string;
}

export interface PhaseOutcome {
  readonly phase: PhaseSummary;
  readonly orderIds: readonly string[];
}

export interface RunningPhase {
  /**
   * Ends the phase now: reads the CPU counters and sends the generator
   * SIGINT at once (so the next phase can start in the same instant), then
   * resolves with what the generator measured.
   */
  end(): Promise<PhaseOutcome>;
}

const percent = (value: number) => `${Math.round(value)} %`;

export interface PreparedPhase {
  /** Sets the waiting generator off; the phase starts once every thread of it runs. */
  begin(): Promise<RunningPhase>;
}

/**
 * Starts the phase's generator, waiting to be set off, so that starting a
 * phase costs no process start-up. Once begun it prints a progress line every
 * second until it is ended.
 */
export async function preparePhase(options: PhaseOptions): Promise<PreparedPhase> {
  const prepared = await options.prepare(options.plan);
  return {
    async begin() {
      // The phase starts when the generator is set off; what it spent starting up is not the phase's.
      const start: PhaseStart = {
        at: Date.now(),
        serverCpu: treeCpuSeconds(options.serverPids),
        serverThreads: threadCpuSeconds(options.serverPids),
        generatorCpu: cpuSeconds(prepared.pid),
      };
      return run(options, await prepared.go(), start);
    },
  };
}

interface PhaseStart {
  readonly at: number;
  readonly serverCpu: number;
  readonly serverThreads: ReadonlyMap<string, ThreadCpu>;
  readonly generatorCpu: number;
}

function run(options: PhaseOptions, load: RunningLoad, start: PhaseStart): RunningPhase {
  const { at: startedAt, serverCpu: serverCpuAtStart, generatorCpu: generatorCpuAtStart } = start;
  let lastAnswers = 0;
  let lastServerCpu = serverCpuAtStart;
  let lastGeneratorCpu = generatorCpuAtStart;
  let lastThreads = start.serverThreads;
  let lastTick = startedAt;
  const progress = setInterval(() => {
    const now = Date.now();
    const seconds = Math.max(now - lastTick, 1) / 1000;
    const answers = load.answers();
    const serverCpu = treeCpuSeconds(options.serverPids);
    const generatorCpu = cpuSeconds(load.pid);
    const threads = threadCpuSeconds(options.serverPids);
    const busiest = busiestThread(lastThreads, threads, seconds);
    const line = [
      `  ${options.name.padEnd(12)} ${((now - startedAt) / 1000).toFixed(0).padStart(3)} s`,
      `${Math.round((answers - lastAnswers) / seconds)
        .toLocaleString('en')
        .padStart(7)} answers/s`,
      `CPU generator ${percent(((generatorCpu - lastGeneratorCpu) / seconds) * 100)}, server ${percent(((serverCpu - lastServerCpu) / seconds) * 100)}${busiest === undefined ? '' : ` (busiest thread ${percent(busiest.ofOneCore)})`}`,
      ...(options.describe === undefined ? [] : [options.describe()]),
    ];
    process.stderr.write(`${line.join(' · ')}\n`);
    lastAnswers = answers;
    lastServerCpu = serverCpu;
    lastGeneratorCpu = generatorCpu;
    lastThreads = threads;
    lastTick = now;
  }, 1000);

  return {
    async end() {
      clearInterval(progress);
      const endedAt = Date.now();
      const generatorCpu = cpuSeconds(load.pid) - generatorCpuAtStart;
      const serverCpu = treeCpuSeconds(options.serverPids) - serverCpuAtStart;
      const threads = threadCpuSeconds(options.serverPids);
      const { orderIds, ...result } = await load.stop();
      const wall = (endedAt - startedAt) / 1000;
      return {
        phase: {
          name: options.name,
          fromSeconds: (startedAt - options.originMs) / 1000,
          toSeconds: (endedAt - options.originMs) / 1000,
          ...result,
          cpu: {
            generator: cpuShare(generatorCpu, wall, options.cores),
            server: cpuShare(serverCpu, wall, options.cores),
            serverBusiestThread: busiestThread(start.serverThreads, threads, wall),
          },
        },
        orderIds,
      };
    },
  };
}
