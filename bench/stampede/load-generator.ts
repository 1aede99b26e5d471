/**
 * The fallback load generator (when wrk is not installed): autocannon in a
 * process of its own, so it never shares an event loop with the server it
 * measures. Sends the requests the wrk script sends, runs until SIGINT, then
 * writes a LoadResult as JSON to the plan's result file. On stderr: `waiting`
 * once loaded (it starts on a line on stdin), `ready` once it runs and
 * handles SIGINT, then `progress <answers>` once a second.
 *
 *   node bench/stampede/load-generator.ts <plan.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { graphqlOutcomeOf, outcomeOf, purchaseBody } from './outcomes.ts';
import type { LoadPlan, LoadResult } from './types.ts';

const [planFile] = process.argv.slice(2);
if (planFile === undefined) {
  console.error('usage: load-generator.ts <plan.json>');
  process.exit(2);
}
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as LoadPlan;
const tokens = readFileSync(plan.tokensFile, 'utf8')
  .split('\n')
  .filter((line) => line !== '');

const statuses: Record<string, number> = {};
const outcomes: Record<string, number> = {};
const orderIds: string[] = [];
let answers = 0;
let nextShopper = 0;
let sent = 0;

// Loaded: wait for the word to start (a line on stdin), so that the bench can start this process ahead.
process.stderr.write('waiting\n');
for await (const _line of createInterface({ input: process.stdin })) break;

const instance = autocannon({
  url: plan.url,
  connections: plan.connections,
  duration: 3600,
  timeout: 10,
  requests: [
    {
      method: 'POST',
      path: plan.path,
      setupRequest: (request) => {
        const shopper = nextShopper;
        nextShopper = (nextShopper + 1) % tokens.length;
        sent++;
        return {
          ...request,
          method: 'POST',
          path: plan.path,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[shopper]}` },
          body: purchaseBody(`${plan.keyPrefix}-${sent}`, plan.graphqlSaleId),
        };
      },
      onResponse: (status, body) => {
        answers++;
        statuses[status] = (statuses[status] ?? 0) + 1;
        const outcome =
          plan.graphqlSaleId !== undefined
            ? graphqlOutcomeOf(status, body)
            : status === 200
              ? 'ok'
              : outcomeOf(status, body);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (outcome === 'reserved') {
          const match = /"orderId":"([^"]+)"/.exec(body);
          if (match?.[1] !== undefined) orderIds.push(match[1]);
        }
      },
    },
  ],
});
// Without a callback autocannon returns a promise that is also the running instance.
process.once('SIGINT', () => (instance as unknown as autocannon.Instance).stop());
process.stderr.write('ready\n');

const progress = setInterval(() => {
  process.stderr.write(`progress ${answers}\n`);
  answers = 0;
}, 1000);

const result = await instance;
clearInterval(progress);
const seconds = result.duration;
const load: LoadResult = {
  requests: result.requests.total,
  seconds,
  requestsPerSecond: result.requests.total / Math.max(seconds, 0.001),
  latencyMs: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    mean: result.latency.mean,
  },
  statuses,
  outcomes,
  socketErrors: result.errors,
  timeouts: result.timeouts,
  orderIds,
};
writeFileSync(plan.resultFile, JSON.stringify(load));
