// Cold start of each Lambda bundle: npm run bench:lambda [-- --runs 15]
//
// Builds dist/lambda, starts dynalite and fauxqs, then for each function runs
// a fresh `node` process that imports the bundle and invokes it once with a
// realistic event (as Lambda does on a cold start: init, then the first
// invocation). Reports the bundle sizes, the import and first-invocation
// times measured inside the process, and the whole process's wall time minus
// that of a bare `node -e ''` run just before it (the "over bare node" figure,
// the median of those pairs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildLambdaBundles, type LambdaFunctionName } from '../scripts/build-lambda.ts';
import { openAwsBackend } from '../src/shapes/aws.ts';
import { cognitoClaims, httpApiEvent } from '../test/support/lambda-events.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startLocalAws } from '../test/support/local-aws.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);

const reports = await buildLambdaBundles();
const aws = await startLocalAws();
const resources = await aws.createResources();
const backend = openAwsBackend(aws.backendOptions(resources));
const now = Date.now();
const sale = {
  id: 'bench-sale',
  sku: 'SKU',
  name: 'Bench',
  stock: 1_000_000,
  startsAt: now - 1000,
  endsAt: now + 3_600_000,
  perUserLimit: 1_000,
  priceCents: 100,
  currency: 'EUR',
  paymentWindowSeconds: 600,
  purchaseToken: false,
  createdAt: now,
};
await backend.ledger.openSale(sale);
const reserved = await backend.ledger.reserve({
  saleId: sale.id,
  userId: 'bench',
  quantity: 1,
  idempotencyKey: 'bench',
  now,
});
if (reserved.kind !== 'reserved') throw new Error(`bench setup: ${reserved.kind}`);

const env = {
  PATH: process.env.PATH,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodbEndpoint,
  AWS_ENDPOINT_URL_SQS: aws.fauxqs.address,
  AWS_ENDPOINT_URL_SNS: aws.fauxqs.address,
  LEDGER_TABLE: resources.ledgerTable,
  ORDERS_TABLE: resources.ordersTable,
  QUEUE_URL: resources.queueUrl,
  DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
  ORDER_EVENTS_TOPIC_ARN: resources.topicArn,
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
};

interface Scenario {
  readonly label: string;
  readonly fn: LambdaFunctionName;
  readonly event: unknown;
}

const scenarios: Scenario[] = [
  {
    label: 'api: GET /healthz (no I/O)',
    fn: 'api',
    event: httpApiEvent({ method: 'GET', path: '/healthz' }),
  },
  {
    label: 'api: GET /v1/sales/{id}',
    fn: 'api',
    event: httpApiEvent({ method: 'GET', path: `/v1/sales/${sale.id}` }),
  },
  {
    label: 'api: POST purchase',
    fn: 'api',
    event: httpApiEvent({
      method: 'POST',
      path: `/v1/sales/${sale.id}/purchase`,
      body: { quantity: 1, idempotencyKey: 'KEY' },
      claims: cognitoClaims('SUB'),
    }),
  },
  {
    label: 'consumer: 1 SQS record',
    fn: 'consumer',
    event: {
      Records: [
        {
          messageId: 'm-1',
          receiptHandle: 'r-1',
          body: JSON.stringify(reserved.reservation),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(now),
            SenderId: 'bench',
            ApproximateFirstReceiveTimestamp: String(now),
          },
          messageAttributes: {
            topic: {
              stringValue: 'reservation.created',
              dataType: 'String',
              stringListValues: [],
              binaryListValues: [],
            },
          },
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
          awsRegion: 'us-east-1',
        },
      ],
    },
  },
  {
    label: 'sweeper: scheduled event',
    fn: 'sweeper',
    event: { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} },
  },
];

const dir = mkdtempSync(join(tmpdir(), 'flashsale-cold-'));
const child = join(dir, 'cold.mjs');
writeFileSync(
  child,
  `const t0 = performance.now();
const { handler } = await import(process.env.BUNDLE);
const t1 = performance.now();
const event = (n) => JSON.parse(process.env.EVENT.replaceAll('KEY', 'k-' + process.pid + '-' + n).replaceAll('SUB', 'u-' + process.pid));
const result = await handler(event(1), { awsRequestId: 'bench-1' });
const t2 = performance.now();
await handler(event(2), { awsRequestId: 'bench-2' });
const t3 = performance.now();
process.stderr.write(JSON.stringify({ importMs: t1 - t0, invokeMs: t2 - t1, warmMs: t3 - t2, status: result?.statusCode ?? (result?.batchItemFailures?.length === 0 ? 'ok' : JSON.stringify(result)) }) + '\\n');
process.exit(0);
`,
);

/** Runs a fresh node; asynchronously, since fauxqs answers from this process's event loop. */
function wallMs(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ ms: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve({ ms, stderr });
      else reject(new Error(`child failed (${code}): ${stderr}`));
    });
  });
}

async function repeat<T>(n: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bare = median((await repeat(runs, () => wallMs(['-e', '']))).map((r) => r.ms));
const emptyModule = median(
  (
    await repeat(runs, () =>
      wallMs([child], {
        BUNDLE: 'data:text/javascript,export const handler=async()=>({statusCode:200})',
        EVENT: '{}',
      }),
    )
  ).map((r) => r.ms),
);

console.log('bundle     loaded at cold start   whole directory');
for (const r of reports) {
  console.log(
    `${r.name.padEnd(9)} ${(r.bytes / 1024).toFixed(1).padStart(8)} KiB ${(r.totalBytes / 1024).toFixed(1).padStart(14)} KiB`,
  );
}
console.log(
  `\nbare node start: ${bare.toFixed(1)} ms (median of ${runs}); harness with an empty handler: ${emptyModule.toFixed(1)} ms`,
);
console.log(
  '\nscenario                      import   1st invoke   2nd invoke   process wall   over bare node   cold overhead   status',
);
for (const scenario of scenarios) {
  const bundle = reports.find((r) => r.name === scenario.fn)!.file;
  // Each sample is paired with a bare node start run just before it: the machine's speed drifts over a
  // run of this bench (±15 % here), and a difference taken within the pair does not drift with it.
  const samples = await repeat(runs, async () => {
    const bareMs = (await wallMs(['-e', ''])).ms;
    const { ms, stderr } = await wallMs([child], { BUNDLE: bundle, EVENT: JSON.stringify(scenario.event) });
    const inner = JSON.parse(stderr.trim().split('\n').at(-1)!) as {
      importMs: number;
      invokeMs: number;
      warmMs: number;
      status: unknown;
    };
    return { ms, bareMs, ...inner };
  });
  const fmt = (x: number) => `${x.toFixed(1)} ms`;
  console.log(
    [
      scenario.label.padEnd(29),
      fmt(median(samples.map((s) => s.importMs))).padStart(8),
      fmt(median(samples.map((s) => s.invokeMs))).padStart(12),
      fmt(median(samples.map((s) => s.warmMs))).padStart(12),
      // The whole process ran two invocations: count only the first.
      fmt(median(samples.map((s) => s.ms - s.warmMs))).padStart(14),
      fmt(median(samples.map((s) => s.ms - s.warmMs - s.bareMs))).padStart(16),
      // What being cold costs: import, plus the first invocation's extra time over a warm one.
      fmt(median(samples.map((s) => s.importMs + s.invokeMs - s.warmMs))).padStart(15),
      `  ${samples[0]!.status}`,
    ].join(' '),
  );
}

rmSync(dir, { recursive: true, force: true });
await backend.close();
await aws.stop();
