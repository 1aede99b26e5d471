import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../config.ts';
import { createLogger } from '../../observability/logger.ts';
import type { Logger } from '../../ports/logger.ts';
import { describeBackend } from '../../shapes/registry.ts';
import { createDemoSaleIfEmpty } from './demo-sale.ts';
import { startNode } from './start.ts';
import { answeredUsage } from './usage.ts';

if (answeredUsage(process.argv.slice(2), (text) => process.stdout.write(text))) process.exit(0);
let logger: Logger = createLogger();

try {
  const config = loadConfig(process.argv.slice(2), process.env);
  logger = createLogger({ level: config.logLevel });
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
  // Local auth only (development): the link signs the demo admin in; the token is in the fragment,
  // which browsers never send, so it reaches no server log.
  // It expires in an hour: a banner kept in a terminal's scrollback is not a standing admin credential.
  const admin =
    node.issuer === undefined
      ? undefined
      : await node.issuer.sign({ sub: 'ops', admin: true, ttlSeconds: 3600 });
  const saleId = demo?.id ?? (await node.deps.ledger.listSales()).at(-1)?.sale.id ?? '<sale id>';
  // No token is printed (a log or a terminal would keep it): the command that makes one is.
  const tokenFlags = config.dataDir === resolve('data') ? '' : ` --data-dir '${config.dataDir}'`;
  process.stdout.write(
    [
      '',
      `Flash sale engine on ${node.url} (${store}, role ${config.role})`,
      demo === undefined ? '' : `Demo sale ${demo.id}: ${demo.stock} x "${demo.name}", live now`,
      '',
      'Look at it:',
      `  curl -s ${node.url}/v1/sales/${saleId}`,
      ...(node.issuer === undefined
        ? []
        : [
            'Buy one as shopper "alice" (development tokens: --auth local):',
            `  TOKEN=$(npx flashsale token --sub alice${tokenFlags})`,
            `  curl -s -X POST ${node.url}/v1/sales/${saleId}/purchase -H "Authorization: Bearer $TOKEN" \\`,
            `       -H 'content-type: application/json' -d '{"quantity":1,"idempotencyKey":"first-try"}'`,
            `An admin token: npx flashsale token --sub ops --admin${tokenFlags}`,
          ]),
      `Dashboard: ${node.url}/dashboard${admin === undefined ? '' : `#token=${admin}`}`,
      `API: ${node.url}/openapi.json   metrics: ${node.metricsUrl}`,
      '',
    ].join('\n'),
  );
  const shutdown = (signal: string) => {
    logger.log('info', 'shutting down', { signal, timeoutMs: config.shutdownTimeoutMs });
    // Backstop: a close that hangs (a store that never answers) must not keep the process alive.
    setTimeout(() => {
      logger.log('error', 'shutdown took too long: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000).unref();
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
