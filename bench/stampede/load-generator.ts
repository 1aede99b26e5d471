/**
 * The load generator, run as its own process so it never shares an event
 * loop with the server it measures. Drives autocannon over keep-alive
 * connections, records every response (when, how long, what outcome), and
 * writes a summary with phases and a per-second timeline as JSON.
 *
 *   node bench/stampede/load-generator.ts <plan.json> <result.json>
 */
import type { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { OUTCOMES, type Outcome, outcomeOf } from './outcomes.ts';
import { summarise } from './summary.ts';
import type { LoadPlan } from './types.ts';

const [planFile, resultFile] = process.argv.slice(2);
if (planFile === undefined || resultFile === undefined) {
  console.error('usage: load-generator.ts <plan.json> <result.json>');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as LoadPlan;

/** One record per response, in arrival order. */
const at: number[] = [];
const latency: number[] = [];
const outcome: number[] = [];
const orderIds: string[] = [];
let lastOutcome: Outcome = 'error';

const requests = purchaseRequests(plan.scenario);

function purchaseRequests(scenario: LoadPlan['scenario']): autocannon.Request[] {
  const tokens = JSON.parse(readFileSync(scenario.tokensFile, 'utf8')) as string[];
  const path = `/v1/sales/${scenario.saleId}/purchase`;
  let next = 0;
  let attempt = 0;
  return [
    {
      method: 'POST',
      path,
      setupRequest: (request) => {
        const user = next;
        next = (next + 1) % tokens.length;
        attempt++;
        return {
          ...request,
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens[user]}`,
          },
          body: `{"quantity":1,"idempotencyKey":"u${user}-a${attempt}"}`,
        };
      },
      onResponse: (status, body) => {
        if (scenario.kind === 'hello') {
          lastOutcome = status === 200 ? 'ok' : 'error';
          return;
        }
        lastOutcome = outcomeOf(status, body);
        if (status === 201) {
          const match = /"orderId":"([^"]+)"/.exec(body);
          if (match?.[1] !== undefined) orderIds.push(match[1]);
        }
      },
    },
  ];
}

const outcomeIndex = new Map(OUTCOMES.map((name, index) => [name, index]));
const instance = autocannon({
  url: plan.url,
  connections: plan.connections,
  duration: plan.durationSeconds,
  requests,
  timeout: 10,
});
const started = performance.now();
const startedAtMs = Date.now();
(instance as unknown as EventEmitter).on(
  'response',
  (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    at.push(performance.now() - started);
    latency.push(responseTimeMs);
    outcome.push(outcomeIndex.get(lastOutcome) ?? 0);
  },
);

// Progress on stderr, one line a second, so a long run is never silent.
let reported = 0;
const progress = setInterval(() => {
  const now = performance.now() - started;
  let count = 0;
  const seen: Record<string, number> = {};
  for (let i = reported; i < at.length; i++) {
    count++;
    const name = OUTCOMES[outcome[i]!]!;
    seen[name] = (seen[name] ?? 0) + 1;
  }
  reported = at.length;
  const parts = Object.entries(seen)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  process.stderr.write(
    `  ${(now / 1000).toFixed(0).padStart(3)} s  ${String(count).padStart(7)} req/s  ${parts}\n`,
  );
}, 1000);

const result = await instance;
clearInterval(progress);
const summary = summarise({
  label: plan.label,
  connections: plan.connections,
  startedAtMs,
  at,
  latency,
  outcome: outcome.map((index) => OUTCOMES[index]!),
  socketErrors: result.errors,
  timeouts: result.timeouts,
  phased: plan.scenario.kind === 'purchase',
});
writeFileSync(resultFile, JSON.stringify({ ...summary, orderIds }));
