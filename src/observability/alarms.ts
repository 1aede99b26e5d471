import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { AlarmComparison, AlarmMetric, AlarmRule } from './alarm-rules.ts';
import type { HttpSummary } from './http-fold.ts';
import { MetricWindow } from './metric-window.ts';

export type AlarmState = 'OK' | 'ALARM';

/** One alarm as others (a dashboard, /metrics) see it. */
export interface AlarmStatus {
  readonly name: string;
  readonly state: AlarmState;
  readonly alarming: boolean;
  /** When it entered this state (ms). */
  readonly since: number;
  /** The statistic of the last period evaluated; undefined before the first or when it had no data. */
  readonly lastValue: number | undefined;
  readonly rule: AlarmRule;
}

/** What the actions receive (and the webhook's JSON body). */
export interface AlarmTransition {
  readonly alarm: string;
  readonly state: AlarmState;
  readonly previousState: AlarmState;
  readonly at: string;
  readonly reason: string;
  readonly metric: AlarmMetric;
  readonly statistic: string;
  readonly value: number | undefined;
  readonly threshold: number;
  readonly comparison: AlarmComparison;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
}

/** Gauges read at each tick, for the rules that watch them. */
export type AlarmSampler = (
  metrics: ReadonlySet<AlarmMetric>,
) => Promise<Partial<Record<AlarmMetric, number>>>;

export interface AlarmsOptions {
  readonly rules: readonly AlarmRule[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sample?: AlarmSampler;
  /** The webhook action; rules that name it need one. */
  readonly webhook?: (transition: AlarmTransition) => Promise<void>;
}

const SAMPLED: ReadonlySet<AlarmMetric> = new Set([
  'queue_pending',
  'queue_oldest_age_seconds',
  'dead_letters',
  'in_flight_requests',
]);

interface Tracked {
  readonly rule: AlarmRule;
  state: AlarmState;
  since: number;
  lastValue: number | undefined;
  /** Whether each evaluated period breached, newest last (at most evaluationPeriods kept). */
  readonly breaches: boolean[];
  /** End of the next period to evaluate (ms). */
  nextEnd: number;
}

/**
 * Alarm rules evaluated in-process, the CloudWatch way: at the end of each
 * period the rule's statistic over that period is compared to its
 * threshold; the alarm is in ALARM while the last `evaluationPeriods`
 * periods all breached, OK otherwise. A period without data breaches only
 * where the statistic is a sum or a count (then its value is 0). Each
 * change of state runs the rule's actions (a log line, the webhook).
 */
export class Alarms {
  readonly #options: AlarmsOptions;
  readonly #windows = new Map<AlarmMetric, MetricWindow>();
  readonly #tracked: Tracked[];
  readonly #sampled: ReadonlySet<AlarmMetric>;
  readonly #retainMs: number;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;

  constructor(options: AlarmsOptions) {
    this.#options = options;
    // Periods end on whole seconds, where the per-second buckets of MetricWindow split exactly.
    const now = Math.ceil(options.clock.now() / 1000) * 1000;
    this.#tracked = options.rules.map((rule) => ({
      rule,
      state: 'OK',
      since: now,
      lastValue: undefined,
      breaches: [],
      nextEnd: now + rule.periodSeconds * 1000,
    }));
    for (const rule of options.rules) this.#windows.set(rule.metric, new MetricWindow());
    this.#sampled = new Set(options.rules.map((r) => r.metric).filter((m) => SAMPLED.has(m)));
    this.#retainMs = Math.max(0, ...options.rules.map((r) => r.periodSeconds * 1000)) + 1000;
  }

  /** A data point, now. Metrics no rule watches cost nothing. */
  record(metric: AlarmMetric, value = 1): void {
    this.#windows.get(metric)?.record(this.#options.clock.now(), value);
  }

  /** An HTTP answer: counted by status class, and its latency. */
  recordHttp(status: number, seconds: number): void {
    if (this.#tracked.length === 0) return;
    this.record('http_requests');
    if (status >= 500) this.record('http_5xx');
    else if (status >= 400) this.record('http_4xx');
    this.record('http_latency_ms', seconds * 1000);
  }

  /** Answers another thread served, folded (see foldHttp). */
  recordHttpSummary(summary: HttpSummary): void {
    const now = this.#options.clock.now();
    const count = (metric: AlarmMetric, n: number) =>
      this.#windows.get(metric)?.merge(now, { sum: n, count: n, min: 1, max: 1 });
    count('http_requests', summary.requests);
    count('http_4xx', summary.clientErrors);
    count('http_5xx', summary.serverErrors);
    this.#windows.get('http_latency_ms')?.merge(now, summary.latencyMs);
  }

  /** Samples the gauges the rules watch, then evaluates every period that has ended. */
  async tick(): Promise<void> {
    const { clock, sample } = this.#options;
    if (this.#sampled.size > 0 && sample !== undefined) {
      const values = await sample(this.#sampled);
      // A sample read as a period ends describes that period, not the next: filed a millisecond earlier.
      const at = clock.now() - 1;
      for (const metric of this.#sampled) {
        const value = values[metric];
        if (value !== undefined) this.#windows.get(metric)?.record(at, value);
      }
    }
    const now = clock.now();
    const transitions: Promise<void>[] = [];
    for (const tracked of this.#tracked) {
      while (now >= tracked.nextEnd) transitions.push(...this.#evaluate(tracked, tracked.nextEnd));
    }
    for (const window of this.#windows.values()) window.prune(now - this.#retainMs);
    await Promise.all(transitions);
  }

  states(): AlarmStatus[] {
    return this.#tracked.map((t) => ({
      name: t.rule.name,
      state: t.state,
      alarming: t.state === 'ALARM',
      since: t.since,
      lastValue: t.lastValue,
      rule: t.rule,
    }));
  }

  /** Ticks every `intervalMs` until stopped. */
  start(intervalMs = 1_000): void {
    if (this.#tracked.length === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#ticking ??= this.tick()
        .catch((error: unknown) => this.#options.logger.log('warn', 'alarm evaluation failed', { error }))
        .finally(() => {
          this.#ticking = undefined;
        });
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  #evaluate(tracked: Tracked, end: number): Promise<void>[] {
    const { rule } = tracked;
    const periodMs = rule.periodSeconds * 1000;
    tracked.nextEnd = end + periodMs;
    const value = this.#windows.get(rule.metric)!.statistic(rule.statistic, end - periodMs, end);
    tracked.lastValue = value;
    tracked.breaches.push(value !== undefined && compare(value, rule.comparison, rule.threshold));
    if (tracked.breaches.length > rule.evaluationPeriods) tracked.breaches.shift();
    const alarming =
      tracked.breaches.length === rule.evaluationPeriods && tracked.breaches.every((breached) => breached);
    const state: AlarmState = alarming ? 'ALARM' : 'OK';
    if (state === tracked.state) return [];
    const transition: AlarmTransition = {
      alarm: rule.name,
      state,
      previousState: tracked.state,
      at: new Date(end).toISOString(),
      reason:
        state === 'ALARM'
          ? `${rule.statistic} of ${rule.metric} ${rule.comparison} ${rule.threshold} for ${rule.evaluationPeriods} period(s) of ${rule.periodSeconds} s`
          : `${rule.statistic} of ${rule.metric} back within ${rule.comparison} ${rule.threshold}`,
      metric: rule.metric,
      statistic: rule.statistic,
      value,
      threshold: rule.threshold,
      comparison: rule.comparison,
      periodSeconds: rule.periodSeconds,
      evaluationPeriods: rule.evaluationPeriods,
    };
    tracked.state = state;
    tracked.since = end;
    return this.#act(rule, transition);
  }

  #act(rule: AlarmRule, transition: AlarmTransition): Promise<void>[] {
    const { logger, webhook } = this.#options;
    const sent: Promise<void>[] = [];
    for (const action of rule.actions) {
      if (action === 'log') {
        logger.log(transition.state === 'ALARM' ? 'error' : 'info', `alarm ${transition.state}`, {
          ...transition,
        });
      } else if (webhook !== undefined) {
        sent.push(webhook(transition));
      }
    }
    return sent;
  }
}

function compare(value: number, comparison: AlarmComparison, threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}
