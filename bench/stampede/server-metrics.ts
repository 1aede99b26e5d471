/** The few series of the server's /metrics the stampede follows. */
export interface ServerMetrics {
  /** flashsale_purchases_total by outcome. */
  readonly purchases: Readonly<Record<string, number>>;
  /** The latency histogram of purchase answers (see PURCHASE_LATENCY_ROUTES), every status summed. */
  readonly purchaseLatency: {
    /** Upper bounds in seconds, ascending, the last one Infinity. */
    readonly bounds: readonly number[];
    /** Cumulative counts, one per bound. */
    readonly counts: readonly number[];
  };
  /** flashsale_queue_depth{queue="pending"}: events the order worker has not handled yet. */
  readonly ordersPending: number | undefined;
}

export const PURCHASE_ROUTE = '/v1/sales/:id/purchase';

/**
 * Every answer of the purchase route, 201s and refusals alike, carries its
 * route label; in a GraphQL run, purchases are the only /graphql requests.
 */
const PURCHASE_LATENCY_ROUTES = new Set([PURCHASE_ROUTE, '/graphql']);

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  if (text !== undefined) for (const [, name, value] of text.matchAll(LABEL)) labels.set(name!, value!);
  return labels;
}

/** Reads the Prometheus text exposition of a flashsale server. */
export function parseServerMetrics(text: string): ServerMetrics {
  const purchases: Record<string, number> = {};
  const buckets = new Map<number, number>();
  let ordersPending: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (sample === null) continue;
    const [, name, labelText, valueText] = sample;
    const labels = labelsOf(labelText);
    const value = Number(valueText);
    if (name === 'flashsale_purchases_total') {
      const outcome = labels.get('outcome') ?? 'unknown';
      purchases[outcome] = (purchases[outcome] ?? 0) + value;
    } else if (name === 'flashsale_http_request_duration_seconds_bucket') {
      if (!PURCHASE_LATENCY_ROUTES.has(labels.get('route') ?? '')) continue;
      const le = labels.get('le') === '+Inf' ? Infinity : Number(labels.get('le'));
      buckets.set(le, (buckets.get(le) ?? 0) + value);
    } else if (name === 'flashsale_queue_depth' && labels.get('queue') === 'pending') {
      ordersPending = value;
    }
  }
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  return {
    purchases,
    purchaseLatency: { bounds, counts: bounds.map((bound) => buckets.get(bound)!) },
    ordersPending,
  };
}

/** Answers per outcome between two readings of the counter. */
export function purchasesBetween(before: ServerMetrics, after: ServerMetrics): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [outcome, count] of Object.entries(after.purchases)) {
    const n = count - (before.purchases[outcome] ?? 0);
    if (n > 0) delta[outcome] = n;
  }
  return delta;
}

/** Purchase answers between two readings, every outcome. */
export function answersBetween(before: ServerMetrics, after: ServerMetrics): number {
  return Object.values(purchasesBetween(before, after)).reduce((sum, n) => sum + n, 0);
}

/**
 * The q-quantile of the latencies observed between two readings, in
 * milliseconds, interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does; a quantile in the +Inf bucket reads as the
 * largest finite bound.
 */
export function latencyQuantileBetween(before: ServerMetrics, after: ServerMetrics, q: number): number {
  const { bounds, counts } = after.purchaseLatency;
  const earlier = new Map(
    before.purchaseLatency.bounds.map((b, i) => [b, before.purchaseLatency.counts[i]!]),
  );
  const cumulative = counts.map((count, i) => count - (earlier.get(bounds[i]!) ?? 0));
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i]! < rank) continue;
    const upper = bounds[i]!;
    if (upper === Infinity) return (bounds[i - 1] ?? 0) * 1000;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    const below = i === 0 ? 0 : cumulative[i - 1]!;
    const inBucket = cumulative[i]! - below;
    const fraction = inBucket === 0 ? 1 : (rank - below) / inBucket;
    return (lower + (upper - lower) * fraction) * 1000;
  }
  return 0;
}
