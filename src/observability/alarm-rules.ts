import { z } from 'zod';

/**
 * What an alarm can watch. Recorded ones are fed as things happen (each
 * answer, each dead-lettered event); sampled ones are read when the alarm is
 * evaluated (queue gauges, requests in flight).
 */
export const ALARM_METRICS = [
  'http_5xx',
  'http_4xx',
  'http_requests',
  'http_latency_ms',
  'order_events_retried',
  'order_events_dead_lettered',
  'queue_pending',
  'queue_oldest_age_seconds',
  'dead_letters',
  'in_flight_requests',
] as const;
export type AlarmMetric = (typeof ALARM_METRICS)[number];

export const ALARM_STATISTICS = ['sum', 'average', 'maximum', 'minimum', 'sample_count'] as const;
export type AlarmStatistic = (typeof ALARM_STATISTICS)[number];

export const ALARM_COMPARISONS = ['>', '>=', '<', '<='] as const;
export type AlarmComparison = (typeof ALARM_COMPARISONS)[number];

export const ALARM_ACTIONS = ['log', 'webhook'] as const;
export type AlarmAction = (typeof ALARM_ACTIONS)[number];

export const alarmRuleSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-", at most 64'),
  metric: z.enum(ALARM_METRICS),
  statistic: z.enum(ALARM_STATISTICS),
  periodSeconds: z.number().int().min(1).max(86_400),
  threshold: z.number().finite(),
  evaluationPeriods: z.number().int().min(1).max(100).default(1),
  comparison: z.enum(ALARM_COMPARISONS),
  /** Default: log, and the webhook when one is configured. */
  actions: z.array(z.enum(ALARM_ACTIONS)).min(1).optional(),
});

export type AlarmRule = Omit<z.output<typeof alarmRuleSchema>, 'actions'> & {
  readonly actions: readonly AlarmAction[];
};

export const alarmRulesSchema = z
  .array(alarmRuleSchema)
  .refine((rules) => new Set(rules.map((r) => r.name)).size === rules.length, 'alarm names must differ');

/** The seed's alarm: more than 50 answers with a 5XX status in 60 s, one period. */
export const DEFAULT_ALARM_RULES: readonly z.input<typeof alarmRuleSchema>[] = [
  {
    name: 'http-5xx',
    metric: 'http_5xx',
    statistic: 'sum',
    periodSeconds: 60,
    threshold: 50,
    evaluationPeriods: 1,
    comparison: '>',
  },
];

/** Rules with their actions settled: an explicit webhook action needs a webhook URL. */
export function settleAlarmRules(
  rules: readonly z.output<typeof alarmRuleSchema>[],
  webhookUrl: string | undefined,
): AlarmRule[] | { readonly error: string } {
  const settled: AlarmRule[] = [];
  for (const rule of rules) {
    const actions = rule.actions ?? (webhookUrl === undefined ? ['log'] : ['log', 'webhook']);
    if (actions.includes('webhook') && webhookUrl === undefined) {
      return { error: `alarm ${rule.name} has a webhook action but ALARM_WEBHOOK_URL is not set` };
    }
    settled.push({ ...rule, actions });
  }
  return settled;
}
