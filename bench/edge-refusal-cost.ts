// What a purchase the edge would refuse costs the Region without the edge: the DynamoDB calls
// (with the capacity units DynamoDB reports) of one not_started and one sold_out refusal by the
// API function, on dynalite. Used for the cost table in docs/aws.md. Run: node bench/edge-refusal-cost.ts
import { silentLogger } from '../src/ports/logger.ts';
import { createApiHandler } from '../src/runtime/lambda/api-handler.ts';
import { composeLambda } from '../src/runtime/lambda/compose.ts';
import { saleRequestBody } from '../test/support/fixtures.ts';
import { cognitoClaims, httpApiEvent } from '../test/support/lambda-events.ts';
import { lambdaConfigFor } from '../test/support/lambda-runtime.ts';
import { startLocalAws } from '../test/support/local-aws.ts';
import { RegionConflictProxy } from '../test/support/region-conflict-proxy.ts';

const aws = await startLocalAws();
// Counted on the wire, in front of dynalite: every call the adapters make, whatever they do with the answer.
const wire = await RegionConflictProxy.start(aws.dynamodbEndpoint);
try {
  const resources = await aws.createResources();
  const clients = aws.backendOptions(resources).clients;
  const runtime = composeLambda(lambdaConfigFor(resources), {
    clients: { ...clients, dynamodb: { ...clients?.dynamodb, endpoint: wire.endpoint } },
    logger: silentLogger,
    writeMetrics: () => {},
  });
  const api = createApiHandler(runtime);
  const call = (method: string, path: string, body: unknown, claims: Record<string, string>) =>
    api(httpApiEvent({ method, path, body, claims }), { awsRequestId: 'cost' });
  const admin = cognitoClaims('ops', ['admin']);
  const newSale = async (overrides: Record<string, unknown>) =>
    JSON.parse((await call('POST', '/v1/sales', saleRequestBody(Date.now(), overrides), admin)).body ?? '')
      .id as string;
  const buy = (saleId: string, user: string) =>
    call(
      'POST',
      `/v1/sales/${saleId}/purchase`,
      { quantity: 1, idempotencyKey: `${user}-k` },
      cognitoClaims(user),
    );

  async function measure(label: string, saleId: string, expected: number): Promise<void> {
    await buy(saleId, 'warm-up'); // the sale is now in the function's cache, as in a crowd
    const counts: Record<string, number> = {};
    const runs = 20;
    for (let i = 0; i < runs; i++) {
      wire.calls.length = 0;
      const answer = await buy(saleId, `shopper-${i}`);
      if (answer.statusCode !== expected)
        throw new Error(`${label}: expected ${expected}, got ${answer.statusCode}`);
      for (const { operation } of wire.calls) counts[operation] = (counts[operation] ?? 0) + 1 / runs;
    }
    console.log(
      label,
      JSON.stringify(
        Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round(v * 100) / 100])),
      ),
    );
  }

  const later = new Date(Date.now() + 3_600_000).toISOString();
  await measure(
    'not_started',
    await newSale({ startsAt: later, endsAt: new Date(Date.now() + 7_200_000).toISOString() }),
    403,
  );
  const soldOut = await newSale({ stock: 1, perUserLimit: 1 });
  await buy(soldOut, 'winner');
  await measure('sold_out', soldOut, 409);
  await runtime.backend.close();
} finally {
  await wire.stop();
  await aws.stop();
}
