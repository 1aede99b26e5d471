import { ConfigError, loadConfig } from '../../config.ts';
import { jsonLogger } from '../../observability/logger.ts';
import { describeBackend } from '../../shapes/registry.ts';
import { createDemoSaleIfEmpty } from './demo-sale.ts';
import { startNode } from './start.ts';

const logger = jsonLogger();

try {
  const config = loadConfig(process.argv.slice(2), process.env);
  const node = await startNode(config, logger);
  const store = describeBackend(config.backend, config);
  const demo =
    config.demoSale && config.role !== 'worker' ? await createDemoSaleIfEmpty(node.deps) : undefined;
  logger.log('info', 'listening', {
    url: node.url,
    backend: config.backend.name,
    role: config.role,
    store,
  });
  const shopper =
    node.issuer === undefined ? undefined : await node.issuer.sign({ sub: 'alice', admin: false });
  // Local auth only (development): the link signs the demo admin in; the token is in the fragment,
  // which browsers never send, so it reaches no server log.
  const admin = node.issuer === undefined ? undefined : await node.issuer.sign({ sub: 'ops', admin: true });
  const saleId = demo?.id ?? (await node.deps.ledger.listSales()).at(-1)?.sale.id ?? '<sale id>';
  process.stdout.write(
    [
      '',
      `Flash sale engine on ${node.url} (${store}, role ${config.role})`,
      demo === undefined ? '' : `Demo sale ${demo.id}: ${demo.stock} x "${demo.name}", live now`,
      '',
      'Look at it:',
      `  curl -s ${node.url}/v1/sales/${saleId}`,
      ...(shopper === undefined
        ? []
        : [
            'Buy one as shopper "alice":',
            `  TOKEN=${shopper}`,
            `  curl -s -X POST ${node.url}/v1/sales/${saleId}/purchase -H "Authorization: Bearer $TOKEN" \\`,
            `       -H 'content-type: application/json' -d '{"quantity":1,"idempotencyKey":"first-try"}'`,
            'More tokens: npx flashsale token --sub bob [--admin]',
          ]),
      `Dashboard: ${node.url}/dashboard${admin === undefined ? '' : `#token=${admin}`}`,
      `API: ${node.url}/openapi.json   metrics: ${node.url}/metrics`,
      '',
    ].join('\n'),
  );
  const shutdown = (signal: string) => {
    logger.log('info', 'shutting down', { signal });
    node.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.log('error', 'shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  logger.log('error', 'start failed', { error });
  process.exit(1);
}
