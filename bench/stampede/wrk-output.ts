import type { LatencySummary } from './types.ts';

/** What wrk prints at the end of a run (`wrk --latency`), as numbers. */
export interface WrkSummary {
  readonly requests: number;
  readonly seconds: number;
  readonly latencyMs: LatencySummary;
  readonly socketErrors: {
    readonly connect: number;
    readonly read: number;
    readonly write: number;
    readonly timeout: number;
  };
}

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** `57.22ms`, `500.00us`, `1.02s`, `1.00m` in milliseconds. */
function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (match === null) throw new Error(`not a wrk duration: ${text}`);
  return Number(match[1]) * MS_PER_UNIT[match[2]!]!;
}

function required(output: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(output);
  if (match === null) throw new Error(`wrk printed no ${what}:\n${output}`);
  return match;
}

/**
 * Reads wrk's summary: the latency distribution (50/90/99 %), the average and
 * the maximum from the thread stats, the request count and run time, and the
 * socket errors (a line wrk prints only when there were some).
 */
export function parseWrkOutput(output: string): WrkSummary {
  const stats = required(output, /^\s*Latency\s+(\S+)\s+\S+\s+(\S+)\s/m, 'latency stats');
  const percentile = (p: number) =>
    milliseconds(required(output, new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm'), `${p}th percentile`)[1]!);
  const total = required(output, /^\s*(\d+) requests in (\S+?),/m, 'request count');
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    seconds: milliseconds(total[2]!) / 1000,
    latencyMs: {
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
      max: milliseconds(stats[2]!),
      mean: milliseconds(stats[1]!),
    },
    socketErrors: {
      connect: Number(errors?.[1] ?? 0),
      read: Number(errors?.[2] ?? 0),
      write: Number(errors?.[3] ?? 0),
      timeout: Number(errors?.[4] ?? 0),
    },
  };
}
