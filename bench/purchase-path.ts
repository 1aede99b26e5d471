// CPU per request through the app itself, no sockets: npm run bench:path [-- --requests 200000 --rounds 3]
//
// Starts the embedded Node runtime in this process (startNode: the store with
// synchronous=FULL, the app, the order worker) and calls app.handle() with
// purchase requests from 256 concurrent callers, in each phase of a sale:
// before its start (403), selling (201) and sold out (409). Reports the CPU
// this process used per request (user + system, every thread: the store's
// WAL sync and checkpoint threads included) and the wall time per request,
// beside the same for GET /healthz through the same app, the cheapest route
// there is: the baseline of the run. The figures leave out node:http and the
// kernel (see npm run bench for the whole path); they are what a change to
// the app, the use cases or the store moves.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import type { HttpRequest } from '../src/http/types.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startNode } from '../src/runtime/node/start.ts';
import { mintCrowd } from './stampede/crowd.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    shoppers: { type: 'string', default: '20000' },
    // Each phase measured this many times, in turn; the least CPU per request is kept (noise only adds).
    rounds: { type: 'string', default: '3' },
  },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const shoppers = Number(values.shoppers);
const CALLERS = 256;

const dir = mkdtempSync(join(tmpdir(), 'flashsale-path-'));
// The crowd's tokens are signed with the key the runtime then loads from the same data directory.
const crowd = await mintCrowd(dir, shoppers, (line) => process.stdout.write(`${line}\n`));
const tokens = readFileSync(crowd.tokensFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((token) => `Bearer ${token}`);
const admin = `Bearer ${crowd.admin}`;
const config = loadConfig(
  [
    '--data-dir',
    crowd.dataDir,
    '--auth',
    'local',
    '--demo-sale',
    'false',
    '--rate-limit-per-second',
    '0',
    '--port',
    '0',
    // The app is called in process: an HTTP thread would only add its idle CPU to the figures.
    '--http-threads',
    '1',
  ],
  { PATH: process.env.PATH },
);
const node = await startNode(config, createLogger({ level: 'warn' }));

async function createSale(stock: number, startsAt: number): Promise<string> {
  const response = await node.app.handle({
    method: 'POST',
    url: '/v1/sales',
    headers: { authorization: admin, 'content-type': 'application/json' },
    body: JSON.stringify({
      sku: 'PATH',
      name: 'Purchase path',
      stock,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(Date.now() + 7_200_000).toISOString(),
      perUserLimit: 1_000,
      priceCents: 100,
      currency: 'EUR',
      paymentWindowSeconds: 900,
    }),
  });
  if (response.status !== 201) throw new Error(`could not create a sale: ${response.body}`);
  return (JSON.parse(response.body) as { id: string }).id;
}

let keys = 0;
const purchase = (saleId: string, i: number): HttpRequest => ({
  method: 'POST',
  url: `/v1/sales/${saleId}/purchase`,
  headers: {
    host: 'bench',
    authorization: tokens[i % tokens.length],
    'content-type': 'application/json',
  },
  body: `{"quantity":1,"idempotencyKey":"path-${keys++}"}`,
  remoteAddress: '127.0.0.1',
});
const health: HttpRequest = { method: 'GET', url: '/healthz', headers: {}, body: '' };

/** `count` requests from CALLERS concurrent callers; CPU and wall time per request, answers by status. */
async function measure(count: number, request: (i: number) => HttpRequest) {
  const statuses = new Map<number, number>();
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < count) {
        const response = await node.app.handle(request(next++));
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  const wallUs = ((performance.now() - started) * 1000) / count;
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / count, wallUs, statuses };
}

// Every shopper's token verified once, as the crowd signs in before a sale.
const warm = await createSale(1, Date.now() + 3_600_000);
await measure(shoppers, (i) => purchase(warm, i));

const upcoming = await createSale(1_000_000, Date.now() + 3_600_000);
const live = await createSale(10_000_000, Date.now() + 100);
const small = await createSale(10, Date.now() + 100);
await new Promise((resolve) => setTimeout(resolve, 200));
await measure(100, (i) => purchase(small, i));
const phases: Array<[string, (i: number) => HttpRequest]> = [
  ['GET /healthz (baseline)', () => health],
  ['purchase before the start', (i) => purchase(upcoming, i)],
  ['purchase while selling', (i) => purchase(live, i)],
  ['purchase once sold out', (i) => purchase(small, i)],
];
const best = new Map<string, Awaited<ReturnType<typeof measure>>>();
for (let round = 1; round <= rounds; round++) {
  for (const [label, request] of phases) {
    const result = await measure(requests, request);
    const kept = best.get(label);
    if (kept === undefined || result.cpuUs < kept.cpuUs) best.set(label, result);
    process.stdout.write(`  round ${round}/${rounds} · ${label}: ${result.cpuUs.toFixed(2)} µs\n`);
  }
}
const rows = [...best];

const base = rows[0]![1].cpuUs;
process.stdout.write(
  `\n${requests.toLocaleString('en')} requests a phase, ${CALLERS} concurrent callers, app.handle() in process (no sockets); the least CPU of ${rounds} rounds\n`,
);
process.stdout.write(
  `${'what'.padEnd(28)}${'CPU µs/request'.padStart(16)}${'vs baseline'.padStart(13)}${'wall µs/request'.padStart(17)}  answers\n`,
);
for (const [label, r] of rows) {
  const answers = [...r.statuses].map(([status, n]) => `${status} ${n.toLocaleString('en')}`).join(', ');
  process.stdout.write(
    `${label.padEnd(28)}${r.cpuUs.toFixed(2).padStart(16)}${`${(r.cpuUs / base).toFixed(1)}x`.padStart(13)}${r.wallUs.toFixed(2).padStart(17)}  ${answers}\n`,
  );
}
await node.close();
rmSync(dir, { recursive: true, force: true });
