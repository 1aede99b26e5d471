/**
 * The flash-sale stampede (`npm run bench`): a bare node:http baseline (1 and
 * 2 processes), then the real server under a crowd that arrives before the
 * start, buys the stock, and keeps pressing Buy after the sell-out. Prints a
 * table with ratios to the baseline and the audit, writes JSON and an SVG chart.
 *
 *   npm run bench -- --stock 20000 --users 20000 --connections 256 --duration 30
 *   npm run bench -- --profile prof/   (writes the server's --cpu-prof profile there)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadLocalIssuer } from '../src/http/auth/local-issuer.ts';
import { api } from '../test/support/http-client.ts';
import { spawnServer } from '../test/support/server-process.ts';
import { stampedeChart } from './stampede/chart.ts';
import type { LoadPlan, LoadSummary, PhaseSummary } from './stampede/types.ts';

const { values: args } = parseArgs({
  options: {
    stock: { type: 'string', default: '20000' },
    users: { type: 'string', default: '20000' },
    limit: { type: 'string', default: '2' },
    connections: { type: 'string', default: '256' },
    duration: { type: 'string', default: '30' },
    lead: { type: 'string', default: '5' },
    'baseline-duration': { type: 'string', default: '10' },
    durability: { type: 'string', default: 'full' },
    backend: { type: 'string', default: 'embedded' },
    threads: { type: 'string', default: '1' },
    'server-flag': { type: 'string', multiple: true, default: [] },
    'skip-baseline': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results' },
    profile: { type: 'string' },
  },
});
const options = {
  stock: Number(args.stock),
  users: Number(args.users),
  limit: Number(args.limit),
  connections: Number(args.connections),
  duration: Number(args.duration),
  lead: Number(args.lead),
  baselineDuration: Number(args['baseline-duration']),
};
for (const [name, value] of Object.entries(options)) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, got ${value}`);
    process.exit(2);
  }
}

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'flashsale-bench-'));
const say = (line: string) => process.stderr.write(`${line}\n`);

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function runGenerator(plan: LoadPlan): Promise<LoadSummary & { orderIds: string[] }> {
  const planFile = join(work, `plan-${Date.now()}.json`);
  const resultFile = `${planFile}.result.json`;
  writeFileSync(planFile, JSON.stringify(plan));
  say(`\n▶ ${plan.label}: ${plan.connections} connections for ${plan.durationSeconds} s`);
  const child = spawn(
    process.execPath,
    [join(root, 'bench/stampede/load-generator.ts'), planFile, resultFile],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(readFileSync(resultFile, 'utf8')) as LoadSummary & { orderIds: string[] };
}

async function baseline(processes: number, tokensFile: string): Promise<LoadSummary> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [join(root, 'bench/stampede/hello-server.ts'), '--port', String(port), '--processes', String(processes)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(server.stdout!, 'data');
  try {
    return await runGenerator({
      label: `bare node:http, ${processes} process${processes > 1 ? 'es' : ''}`,
      url: `http://127.0.0.1:${port}`,
      connections: options.connections,
      durationSeconds: options.baselineDuration,
      scenario: { kind: 'hello', saleId: 'baseline', tokensFile },
    });
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}

interface Audit {
  ok: boolean;
  initial: number;
  available: number;
  held: number;
  paid: number;
  reservations: number;
  ordersPending: number;
  violations: unknown[];
}

interface Crowd {
  readonly dataDir: string;
  readonly tokensFile: string;
  readonly admin: string;
}

/** Shopper tokens signed with the key the server will load from its data directory. */
async function mintCrowd(): Promise<Crowd> {
  const dataDir = join(work, 'data');
  const issuer = await loadLocalIssuer(dataDir);
  const admin = await issuer.sign({ sub: 'bench-admin', admin: true });
  say(`\n▶ minting ${options.users.toLocaleString('en')} shopper tokens`);
  const tokens: string[] = [];
  for (let i = 0; i < options.users; i++) {
    tokens.push(await issuer.sign({ sub: `shopper-${i}`, admin: false }));
    if ((i + 1) % 5000 === 0) say(`  ${(i + 1).toLocaleString('en')}`);
  }
  const tokensFile = join(work, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify(tokens));
  return { dataDir, tokensFile, admin };
}

async function stampede({ dataDir, tokensFile, admin }: Crowd) {
  const server = await spawnServer(
    [
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
      ...args['server-flag'],
    ],
    15_000,
    args.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args.profile}`],
  );
  try {
    const startsAt = Date.now() + options.lead * 1000 + 500;
    const created = await api(server.url, '/v1/sales', {
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

    const load = await runGenerator({
      label: `flash sale (${args.backend}, ${args.durability}, ${args.threads} HTTP thread${args.threads === '1' ? '' : 's'})`,
      url: server.url,
      connections: options.connections,
      durationSeconds: options.duration,
      scenario: { kind: 'purchase', saleId, tokensFile },
    });

    say('\n▶ waiting for the order worker to catch up, then auditing');
    let audit: Audit;
    for (let waited = 0; ; waited += 500) {
      audit = (await api(server.url, `/v1/sales/${saleId}/audit`, { token: admin })).json as Audit;
      if (audit.ordersPending === 0 || waited >= 120_000) break;
      say(`  orders pending: ${audit.ordersPending}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const lost = await countLost(server.url, admin, load.orderIds);
    return { load, audit, lost, acknowledged: load.orderIds.length };
  } finally {
    await server.kill('SIGTERM');
  }
}

/** Acknowledged orders (answered 201) that the server cannot find afterwards. */
async function countLost(url: string, admin: string, orderIds: readonly string[]): Promise<number> {
  let lost = 0;
  let next = 0;
  const worker = async () => {
    while (next < orderIds.length) {
      const id = orderIds[next++]!;
      const { status } = await api(url, `/v1/orders/${id}`, { token: admin });
      if (status !== 200) lost++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return lost;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function phaseRow(phase: PhaseSummary, reference: number | undefined): string[] {
  const outcomes = Object.entries(phase.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${fmt(n)}`)
    .join(', ');
  return [
    phase.name,
    `${fmt(phase.toSeconds - phase.fromSeconds, 1)} s`,
    fmt(phase.requestsPerSecond),
    reference === undefined ? '—' : `${fmt(phase.requestsPerSecond / reference, 2)}x`,
    fmt(phase.latencyMs.p50, 1),
    fmt(phase.latencyMs.p90, 1),
    fmt(phase.latencyMs.p99, 1),
    fmt(phase.latencyMs.max, 1),
    outcomes,
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row) =>
      row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  '),
    )
    .join('\n');
}

say(
  `flash-sale stampede: stock ${fmt(options.stock)}, ${fmt(options.users)} users (limit ${options.limit}), ` +
    `${options.connections} connections, ${options.duration} s, start ${options.lead} s after the crowd; ${cpus().length} cores`,
);
try {
  const crowd = await mintCrowd();
  const baselines = args['skip-baseline']
    ? []
    : [await baseline(1, crowd.tokensFile), await baseline(2, crowd.tokensFile)];
  const reference = baselines[1]?.requestsPerSecond;
  const result = await stampede(crowd);
  const header = [
    'phase',
    'lasted',
    'req/s',
    'vs 2-proc',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'outcomes',
  ];
  const rows = [
    header,
    ...baselines.map((b) => phaseRow({ ...b.phases[0]!, name: b.label }, reference)),
    ...result.load.phases.map((p) => phaseRow(p, reference)),
    phaseRow({ ...result.load.phases[0]!, ...{ name: 'whole run' }, ...wholeRun(result.load) }, reference),
  ];
  const { audit } = result;
  const oversold = Math.max(0, audit.held + audit.paid - audit.initial);
  const lines = [
    '',
    table(rows),
    '',
    `reserved (201): ${fmt(result.acknowledged)} of ${fmt(options.stock)} units · socket errors ${result.load.socketErrors} · timeouts ${result.load.timeouts}`,
    `audit: ${audit.ok ? 'ok' : 'FAILED'} · oversold ${oversold} · lost ${result.lost} · conservation ${
      audit.initial === audit.available + audit.held + audit.paid ? 'ok' : 'BROKEN'
    } (initial ${fmt(audit.initial)} = available ${fmt(audit.available)} + held ${fmt(audit.held)} + paid ${fmt(audit.paid)}) · orders pending ${audit.ordersPending}`,
  ];
  console.log(lines.join('\n'));

  const outDir = join(root, args.out);
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const report = {
    options: { ...options, durability: args.durability, backend: args.backend },
    cores: cpus().length,
    baselines,
    ...result,
    load: { ...result.load, orderIds: undefined },
  };
  writeFileSync(join(outDir, `stampede-${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(
    join(outDir, `stampede-${stamp}.svg`),
    stampedeChart({
      title: `Flash-sale stampede: ${fmt(options.stock)} units, ${fmt(options.users)} users, ${options.connections} connections (${args.backend}, ${args.durability})`,
      stock: options.stock,
      timeline: result.load.timeline,
      baselineRps: reference,
      markers: result.load.phases
        .filter((phase) => phase.name === 'selling' || phase.name === 'sold out')
        .map((phase) => ({
          second: phase.fromSeconds,
          label: phase.name === 'selling' ? 'sale starts' : 'sold out',
        })),
    }),
  );
  console.log(`\nwrote ${join(args.out, `stampede-${stamp}.json`)} and .svg`);
  process.exitCode = audit.ok && oversold === 0 && result.lost === 0 ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

function wholeRun(load: LoadSummary): Partial<PhaseSummary> {
  return {
    fromSeconds: 0,
    toSeconds: load.timeline.length === 0 ? 0 : load.timeline[load.timeline.length - 1]!.second + 0.25,
    requests: load.requests,
    requestsPerSecond: load.requestsPerSecond,
    latencyMs: load.latencyMs,
    outcomes: load.outcomes,
  };
}
