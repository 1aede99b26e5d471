/**
 * The flash-sale stampede (`npm run bench`): a bare node:http baseline (1 and
 * 2 processes), then the real server under a crowd that arrives before the
 * start, buys the whole stock, and keeps pressing Buy from the sell-out on.
 * The load generator is wrk (C) with bench/stampede/wrk-purchase.lua, or
 * autocannon when wrk is not installed. Prints a table with ratios to the
 * better baseline, the CPU the generator and the server used, and the audit;
 * writes JSON and an SVG chart; exits non-zero when an invariant fails.
 *
 *   npm run bench -- --stock 20000 --users 10000 --limit 4 --connections 256 --duration 20
 *   npm run bench -- --generator autocannon
 *   npm run bench -- --profile prof/   (writes the server's --cpu-prof profile there)
 *   npm run bench -- --api graphql      (the stampede over REST, then over the GraphQL purchase
 *                                        mutation on a fresh server, with GraphQL's ratio to REST)
 *   npm run bench -- --backend cluster --worker-process …   (the API process `--role api`, and the
 *                                        order worker in a `--role worker` process of its own)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { autoHttpThreadsFor } from '../src/config.ts';
import { api } from '../test/support/http-client.ts';
import { spawnServer } from '../test/support/server-process.ts';
import { auditOnceSettled } from './stampede/audit.ts';
import { stampedeChart } from './stampede/chart.ts';
import { type Crowd, mintCrowd } from './stampede/crowd.ts';
import { chooseGenerator } from './stampede/generators.ts';
import { countLost } from './stampede/lost-orders.ts';
import { type PhaseOutcome, preparePhase, type RunningPhase } from './stampede/phase.ts';
import { processTree } from './stampede/process-cpu.ts';
import {
  CPU_HEADER,
  cpuRow,
  fmt,
  graphqlComparison,
  PHASE_HEADER,
  phaseRow,
  table,
  wholeRunRow,
} from './stampede/report-table.ts';
import { PURCHASE_ROUTE, parseServerMetrics } from './stampede/server-metrics.ts';
import { watchServer } from './stampede/server-watch.ts';
import { signInCrowd } from './stampede/sign-in.ts';
import type { LoadPlan, PhaseSummary } from './stampede/types.ts';

const { values: args } = parseArgs({
  options: {
    stock: { type: 'string', default: '100000' },
    users: { type: 'string', default: '50000' },
    limit: { type: 'string', default: '4' },
    connections: { type: 'string', default: '256' },
    duration: { type: 'string', default: '20' },
    lead: { type: 'string', default: '5' },
    'max-selling': { type: 'string', default: '300' },
    'baseline-duration': { type: 'string', default: '10' },
    generator: { type: 'string' },
    'generator-threads': { type: 'string', default: '2' },
    durability: { type: 'string', default: 'full' },
    backend: { type: 'string', default: 'embedded' },
    threads: { type: 'string', default: 'auto' },
    'server-flag': { type: 'string', multiple: true, default: [] },
    'skip-baseline': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    profile: { type: 'string' },
    api: { type: 'string', default: 'rest' },
    'worker-process': { type: 'boolean', default: false },
  },
});
if (args['worker-process'] && args.backend !== 'cluster') {
  console.error('--worker-process needs --backend cluster: the embedded store belongs to one process');
  process.exit(2);
}
if (args.api !== 'rest' && args.api !== 'graphql') {
  console.error(`--api must be rest or graphql, got ${args.api}`);
  process.exit(2);
}
type Api = 'rest' | 'graphql';
const options = {
  stock: Number(args.stock),
  users: Number(args.users),
  limit: Number(args.limit),
  connections: Number(args.connections),
  duration: Number(args.duration),
  lead: Number(args.lead),
  maxSelling: Number(args['max-selling']),
  baselineDuration: Number(args['baseline-duration']),
  generatorThreads: Number(args['generator-threads']),
};
for (const [name, value] of Object.entries(options)) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, got ${value}`);
    process.exit(2);
  }
}
if (options.generatorThreads > options.connections) {
  console.error('--generator-threads cannot exceed --connections');
  process.exit(2);
}
const choice = chooseGenerator(args.generator);
if (!choice.ok) {
  console.error(choice.error);
  process.exit(2);
}
const { generator } = choice;
const generatorText =
  generator.name === 'wrk'
    ? `${generator.version} (${options.generatorThreads} thread${options.generatorThreads === 1 ? '' : 's'})`
    : generator.version;

const root = new URL('..', import.meta.url).pathname;
const PREPARE_MS = 5000;
/**
 * Each phase's generator connects to its own loopback address (the server
 * listens on all of them). When a phase's generator is stopped, the server
 * still holds its connections for a moment; the next generator, from the same
 * address, would get some of the same ephemeral ports, and a SYN that meets a
 * connection the server has not closed yet waits for the 1 s retransmission:
 * on one address, 1 % of the next phase's requests took over a second.
 */
const PHASE_ADDRESSES = { before: '127.0.0.2', selling: '127.0.0.3', soldOut: '127.0.0.4' } as const;
const work = mkdtempSync(join(tmpdir(), 'flashsale-bench-'));
const cores = availableParallelism();
const say = (line: string) => process.stderr.write(`${line}\n`);

/** Servers this run started: killed if the bench dies before it stops them, so that none is left behind. */
const servers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of servers) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
// Interrupted, exit through the 'exit' handlers (here and in generator-process.ts) that stop the children.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

/** Ends a phase; a failure surfaces where the ending is awaited, not as an unhandled rejection before. */
function ending(phase: RunningPhase): Promise<PhaseOutcome> {
  const ended = phase.end();
  ended.catch(() => {});
  return ended;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The same requests for every run; only the key prefix and the target (and REST or GraphQL) differ. */
function loadPlan(
  url: string,
  path: string,
  tokensFile: string,
  keyPrefix: string,
  graphqlSaleId?: string,
): LoadPlan {
  return {
    url,
    path,
    connections: options.connections,
    threads: options.generatorThreads,
    tokensFile,
    keyPrefix,
    resultFile: join(work, `${keyPrefix}.result`),
    graphqlSaleId,
  };
}

/** A data directory of its own for one run, with the key the crowd's tokens were signed with. */
function freshDataDir(crowd: Crowd, name: string): string {
  const dataDir = join(work, `data-${name}`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  copyFileSync(join(crowd.dataDir, 'signing-key.json'), join(dataDir, 'signing-key.json'));
  return dataDir;
}

async function baseline(processes: number, tokensFile: string): Promise<PhaseSummary> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [join(root, 'bench/stampede/hello-server.ts'), '--port', String(port), '--processes', String(processes)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  servers.add(server);
  await once(server.stdout!, 'data');
  const name = `bare node:http, ${processes} process${processes > 1 ? 'es' : ''}`;
  say(`\n▶ ${name}: ${options.connections} connections for ${options.baselineDuration} s`);
  try {
    const prepared = await preparePhase({
      name,
      prepare: generator.prepare,
      plan: loadPlan(
        `http://127.0.0.1:${port}`,
        PURCHASE_ROUTE.replace(':id', 'baseline'),
        tokensFile,
        `baseline${processes}`,
      ),
      serverPids: processTree(server.pid!),
      originMs: Date.now(),
      cores,
    });
    const running = await prepared.begin();
    await sleep(options.baselineDuration * 1000);
    return (await running.end()).phase;
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}

async function ordersPending(url: string): Promise<number | undefined> {
  const response = await api(url, '/metrics');
  return response.status === 200 ? parseServerMetrics(response.text).ordersPending : undefined;
}

/** The server's flags; a later flag wins, so a role or a port may follow. */
function serverFlags(dataDir: string): string[] {
  return [
    '--data-dir',
    dataDir,
    '--demo-sale',
    'false',
    '--rate-limit-per-second',
    '0',
    '--durability',
    args.durability,
    '--backend',
    args.backend,
    '--http-threads',
    args.threads,
    // Every address on loopback (see phaseUrl).
    '--host',
    '0.0.0.0',
    ...args['server-flag'],
  ];
}

async function stampede({ tokensFile, admin }: Crowd, dataDir: string, through: Api) {
  const workerProcess = args['worker-process'];
  const server = await spawnServer(
    [...serverFlags(dataDir), ...(workerProcess ? ['--role', 'api'] : [])],
    15_000,
    args.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args.profile}`],
  );
  servers.add(server.child);
  // The order worker on its own port (it answers health and metrics only), confirming what the API reserves.
  const worker = workerProcess
    ? await spawnServer([...serverFlags(dataDir), '--role', 'worker', '--port', '0', '--http-threads', '1'])
    : undefined;
  if (worker !== undefined) servers.add(worker.child);
  const port = new URL(server.url).port;
  const url = `http://127.0.0.1:${port}`;
  let stopWatching = async (): Promise<unknown> => undefined;
  try {
    await signInCrowd(url, tokensFile, say, 64, through);
    // Time to start the first two phases' generators before the crowd arrives.
    const crowdArrives = Date.now() + PREPARE_MS;
    const startsAt = crowdArrives + options.lead * 1000;
    const created = await api(url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: {
        sku: 'BENCH-1',
        name: 'Stampede',
        stock: options.stock,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + 3_600_000).toISOString(),
        perUserLimit: options.limit,
        priceCents: 1000,
        currency: 'EUR',
        paymentWindowSeconds: 900,
      },
    });
    if (created.status !== 201) throw new Error(`could not create the sale: ${JSON.stringify(created.json)}`);
    const saleId: string = created.json.id;
    const path = through === 'rest' ? PURCHASE_ROUTE.replace(':id', saleId) : '/graphql';
    const serverPids = [
      ...processTree(server.child.pid!),
      ...(worker === undefined ? [] : processTree(worker.child.pid!)),
    ];

    const origin = crowdArrives;
    const watch = watchServer(url, saleId, origin);
    stopWatching = watch.stop;
    const describe = () => {
      const latest = watch.latest();
      return [
        `${fmt(watch.available() ?? options.stock)} units left`,
        `orders pending ${latest?.ordersPending === undefined ? '?' : fmt(latest.ordersPending)}`,
        `server ${fmt(latest?.requestsPerSecond ?? 0)} answers/s`,
      ].join(' · ');
    };
    const phase = (name: string, keyPrefix: string, address: string) =>
      preparePhase({
        name,
        prepare: generator.prepare,
        plan: loadPlan(
          `http://${address}:${port}`,
          path,
          tokensFile,
          `${through}-${keyPrefix}`,
          through === 'graphql' ? saleId : undefined,
        ),
        serverPids,
        originMs: origin,
        cores,
        describe,
      });

    say(
      `\n▶ ${through === 'rest' ? 'REST' : 'GraphQL'}, ${generator.version}: ${options.connections} connections, the sale opens in ${options.lead} s`,
    );
    // Each phase's generator is started during the phase before and set off the instant its phase begins.
    const before = await phase('before start', 'before', PHASE_ADDRESSES.before);
    const selling = await phase('selling', 'selling', PHASE_ADDRESSES.selling);
    await sleep(Math.max(0, crowdArrives - Date.now()));
    const beforeStart = await before.begin();
    await sleep(Math.max(0, startsAt - Date.now()));
    const ended: Promise<PhaseOutcome>[] = [ending(beforeStart)];
    const sellingRun = await selling.begin();

    const soldOut = await phase('sold out', 'soldout', PHASE_ADDRESSES.soldOut);
    const soldOutInTime = await Promise.race([
      watch.soldOut.then(() => true),
      sleep(options.maxSelling * 1000).then(() => false),
    ]);
    // No pause: the sold-out crowd arrives while the order worker still has the selling phase's backlog.
    const seenSoldOutAt = Date.now();
    ended.push(ending(sellingRun));
    const soldOutRun = await soldOut.begin();
    const sellOutGapMs = Date.now() - seenSoldOutAt;
    const pendingAtSellOut = await ordersPending(url);
    if (!soldOutInTime) say(`  the stock was not gone after ${options.maxSelling} s of selling`);
    else
      say(
        `  sold out; the sold-out crowd pressed Buy ${sellOutGapMs} ms later, orders pending then: ${pendingAtSellOut ?? '?'}`,
      );
    await sleep(options.duration * 1000);
    ended.push(ending(soldOutRun));

    const outcomes = await Promise.all(ended);
    const timeline = await watch.stop();
    const orderIds = outcomes.flatMap((outcome) => outcome.orderIds);

    say('\n▶ waiting for the order worker to catch up, then auditing');
    const audit = await auditOnceSettled(url, saleId, admin, say);
    say(`▶ reading back ${fmt(orderIds.length)} acknowledged orders`);
    const lost = await countLost(url, admin, orderIds);
    return {
      phases: outcomes.map((outcome) => outcome.phase),
      timeline,
      soldOut: soldOutInTime,
      sellOutGapMs,
      ordersPendingAtSellOut: pendingAtSellOut,
      audit,
      lost,
      acknowledged: orderIds.length,
    };
  } finally {
    await stopWatching();
    await Promise.all([server.kill('SIGTERM'), worker?.kill('SIGTERM')]);
  }
}

say(
  `flash-sale stampede: stock ${fmt(options.stock)}, ${fmt(options.users)} users (limit ${options.limit}), ` +
    `${options.connections} connections, ${options.duration} s sold out, start ${options.lead} s after the crowd; ` +
    `${generatorText}; ${cores} cores`,
);
if (choice.warning !== undefined) say(`\n⚠ ${choice.warning}`);
/** The most units the crowd can hold. */
const crowdCapacity = options.users * options.limit;
if (crowdCapacity < options.stock) {
  // The sale would never sell out: the selling phase would run to --max-selling on limit_exceeded answers.
  say(
    `\n✗ ${fmt(options.users)} users × limit ${options.limit} can hold ${fmt(crowdCapacity)} units, ` +
      `fewer than the stock of ${fmt(options.stock)}: raise --users or --limit, or lower --stock`,
  );
  process.exit(2);
}
if (crowdCapacity < 1.5 * options.stock) {
  say(
    `\n⚠ ${fmt(options.users)} users × limit ${options.limit} is close to the stock: the limit may stop the crowd`,
  );
}
const crowd = await mintCrowd(work, options.users, say);
const baselines = args['skip-baseline']
  ? []
  : [await baseline(1, crowd.tokensFile), await baseline(2, crowd.tokensFile)];
const best = baselines.reduce<PhaseSummary | undefined>(
  (better, b) => (better === undefined || b.requestsPerSecond > better.requestsPerSecond ? b : better),
  undefined,
);
const reference = best?.requestsPerSecond;
// A GraphQL run is compared with a REST run of the same stampede, each on a fresh server and store.
const rest = args.api === 'graphql' ? await stampede(crowd, freshDataDir(crowd, 'rest'), 'rest') : undefined;
const result =
  args.api === 'graphql'
    ? await stampede(crowd, freshDataDir(crowd, 'graphql'), 'graphql')
    : await stampede(crowd, crowd.dataDir, 'rest');
const phases = [...baselines, ...result.phases];
const { audit } = result;
const serverThreads = args.threads === 'auto' ? autoHttpThreadsFor(args.backend) : Number(args.threads);
const oversold = Math.max(0, audit.held + audit.paid - audit.initial);
const selling = result.phases.find((p) => p.name === 'selling');
const lines = [
  '',
  `${generatorText}, ${options.connections} connections; ${cores} cores; server: ${args.backend}, ${serverThreads} HTTP thread${serverThreads === 1 ? '' : 's'}` +
    (args['worker-process'] ? ', the order worker in a process of its own' : '') +
    (best === undefined ? '' : `; ratios to the better baseline (${best.name})`),
  table([PHASE_HEADER, ...phases.map((p) => phaseRow(p, reference)), wholeRunRow(result.phases, reference)]),
  '',
  'CPU used during each phase (user + system, from /proc)',
  table([CPU_HEADER, ...phases.map(cpuRow)]),
  '',
  result.soldOut
    ? `sold out ${fmt(selling?.toSeconds ?? 0, 1)} s into the run, after ${fmt((selling?.toSeconds ?? 0) - (selling?.fromSeconds ?? 0), 1)} s of selling; ` +
      `the sold-out load began ${result.sellOutGapMs} ms after the sell-out was seen, with ${result.ordersPendingAtSellOut === undefined ? '?' : fmt(result.ordersPendingAtSellOut)} orders pending`
    : `NOT sold out after ${options.maxSelling} s of selling`,
  // A generator stopped mid-flight never reads the answers to the requests it had sent.
  `reserved: ${fmt(result.acknowledged)} answered 201 to the generator, ${fmt(audit.held + audit.paid)} of ${fmt(options.stock)} units held per the audit ` +
    '(the difference: answers in flight when a generator was stopped)',
  `audit: ${audit.ok ? 'ok' : 'FAILED'} · oversold ${oversold} · lost ${result.lost} · conservation ${
    audit.initial === audit.available + audit.held + audit.paid ? 'ok' : 'BROKEN'
  } (initial ${fmt(audit.initial)} = available ${fmt(audit.available)} + held ${fmt(audit.held)} + paid ${fmt(audit.paid)}) · orders pending ${audit.ordersPending}`,
];
if (rest !== undefined) lines.push('', ...graphqlComparison(rest.phases, result.phases));
console.log(lines.join('\n'));

const outDir = resolve(root, args.out);
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const report = {
  options: {
    ...options,
    durability: args.durability,
    backend: args.backend,
    threads: serverThreads,
    workerProcess: args['worker-process'],
  },
  generator: { name: generator.name, version: generator.version, threads: options.generatorThreads },
  cores,
  baselines,
  bestBaseline:
    best === undefined ? undefined : { name: best.name, requestsPerSecond: best.requestsPerSecond },
  api: args.api,
  ...result,
  ...(rest === undefined ? {} : { rest }),
};
writeFileSync(join(outDir, `stampede-${stamp}.json`), JSON.stringify(report, null, 2));
writeFileSync(
  join(outDir, `stampede-${stamp}.svg`),
  stampedeChart({
    title: `Flash-sale stampede: ${fmt(options.stock)} units, ${fmt(options.users)} users, ${options.connections} connections (${args.backend}, ${args.durability}, ${generator.name})`,
    stock: options.stock,
    timeline: result.timeline,
    baselineRps: reference,
    baselineLabel: best === undefined ? undefined : `${best.name} (better baseline)`,
    markers: result.phases
      .filter((phase) => phase.name === 'selling' || phase.name === 'sold out')
      .map((phase) => ({
        second: phase.fromSeconds,
        label: phase.name === 'selling' ? 'sale starts' : 'sold out',
      })),
  }),
);
console.log(`\nwrote ${join(args.out, `stampede-${stamp}.json`)} and .svg`);
// Exits rather than waiting for the event loop to empty: a run has been seen to linger after its report.
process.exit(audit.ok && oversold === 0 && result.lost === 0 ? 0 : 1);
