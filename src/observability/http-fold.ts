import type { Bucket } from './metric-window.ts';

/** HTTP answers folded by an extra thread: counts, and latency in ms. */
export interface HttpSummary {
  readonly requests: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  readonly latencyMs: Readonly<Bucket>;
}

/**
 * An extra HTTP thread's side: folds its answers and hands the fold to
 * `send` every `intervalMs` (one message a second, however many requests).
 */
export function foldHttp(
  send: (summary: HttpSummary) => void,
  intervalMs = 1_000,
): { observe(status: number, seconds: number): void; stop(): void } {
  let summary = emptySummary();
  const timer = setInterval(() => {
    if (summary.requests === 0) return;
    const folded = summary;
    summary = emptySummary();
    send(folded);
  }, intervalMs);
  timer.unref();
  return {
    observe(status, seconds) {
      summary.requests++;
      if (status >= 500) summary.serverErrors++;
      else if (status >= 400) summary.clientErrors++;
      const ms = seconds * 1000;
      const latency = summary.latencyMs;
      latency.sum += ms;
      latency.count++;
      if (ms < latency.min) latency.min = ms;
      if (ms > latency.max) latency.max = ms;
    },
    stop: () => clearInterval(timer),
  };
}

function emptySummary(): { requests: number; clientErrors: number; serverErrors: number; latencyMs: Bucket } {
  return {
    requests: 0,
    clientErrors: 0,
    serverErrors: 0,
    latencyMs: { sum: 0, count: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY },
  };
}
