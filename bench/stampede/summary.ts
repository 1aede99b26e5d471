import type { LatencySummary, LoadSummary, PhaseSummary, TimelinePoint } from './types.ts';

export interface ResponseLog {
  readonly label: string;
  readonly connections: number;
  readonly startedAtMs: number;
  /** Milliseconds from the start of the run at which each response arrived. */
  readonly at: readonly number[];
  readonly latency: readonly number[];
  readonly outcome: readonly string[];
  readonly socketErrors: number;
  readonly timeouts: number;
  /** Split the run into before-start, selling and sold-out phases by the first and last reservation. */
  readonly phased: boolean;
}

const TIMELINE_STEP_MS = 250;

export function latencySummary(values: Float64Array): LatencySummary {
  if (values.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = values.slice().sort();
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    p50: pick(0.5),
    p90: pick(0.9),
    p99: pick(0.99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

function phase(
  log: ResponseLog,
  name: string,
  from: number,
  to: number,
  fromMs: number,
  toMs: number,
): PhaseSummary {
  const latencies = new Float64Array(to - from);
  const outcomes: Record<string, number> = {};
  for (let i = from; i < to; i++) {
    latencies[i - from] = log.latency[i]!;
    const outcome = log.outcome[i]!;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  const seconds = Math.max(toMs - fromMs, 1) / 1000;
  return {
    name,
    fromSeconds: fromMs / 1000,
    toSeconds: toMs / 1000,
    requests: to - from,
    requestsPerSecond: (to - from) / seconds,
    latencyMs: latencySummary(latencies),
    outcomes,
  };
}

function timeline(log: ResponseLog): TimelinePoint[] {
  const points: TimelinePoint[] = [];
  let start = 0;
  while (start < log.at.length) {
    const bucket = Math.floor(log.at[start]! / TIMELINE_STEP_MS);
    let end = start;
    let reserved = 0;
    while (end < log.at.length && Math.floor(log.at[end]! / TIMELINE_STEP_MS) === bucket) {
      if (log.outcome[end] === 'reserved') reserved++;
      end++;
    }
    const latency = latencySummary(Float64Array.from(log.latency.slice(start, end)));
    points.push({
      second: (bucket * TIMELINE_STEP_MS) / 1000,
      requestsPerSecond: ((end - start) * 1000) / TIMELINE_STEP_MS,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      reserved,
    });
    start = end;
  }
  return points;
}

/** Whole-run figures, phases and a timeline from the raw response log. */
export function summarise(log: ResponseLog): LoadSummary {
  const count = log.at.length;
  const endMs = count === 0 ? 0 : log.at[count - 1]!;
  const whole = phase(log, 'all', 0, count, 0, endMs);
  const phases: PhaseSummary[] = [];
  const first = log.phased ? log.outcome.indexOf('reserved') : -1;
  if (first >= 0) {
    const last = log.outcome.lastIndexOf('reserved');
    const firstMs = log.at[first]!;
    const lastMs = log.at[last]!;
    if (first > 0) phases.push(phase(log, 'before start', 0, first, 0, firstMs));
    phases.push(phase(log, 'selling', first, last + 1, firstMs, lastMs));
    if (last + 1 < count) phases.push(phase(log, 'sold out', last + 1, count, lastMs, endMs));
  } else {
    phases.push(whole);
  }
  return {
    label: log.label,
    connections: log.connections,
    startedAtMs: log.startedAtMs,
    requests: count,
    requestsPerSecond: whole.requestsPerSecond,
    latencyMs: whole.latencyMs,
    outcomes: whole.outcomes,
    socketErrors: log.socketErrors,
    timeouts: log.timeouts,
    phases,
    timeline: timeline(log),
  };
}
