import type { CloudFrontKeyValueStoreClientConfig } from '@aws-sdk/client-cloudfront-keyvaluestore';
import { LazySfnOrderWorkflow } from '../../adapters/sfn/lazy-sfn-order-workflow.ts';
import { type AppDeps, composeAppDeps } from '../../app/deps.ts';
import { EdgeStatusPublisher } from '../../app/edge-status.ts';
import { createEmfMetrics, type EmfMetrics } from '../../observability/emf.ts';
import { createJsonLineLogger } from '../../observability/json-line-logger.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { WorkflowLink } from '../../ports/order-workflow.ts';
// The AWS shape is imported directly, not picked by name through src/shapes/registry.ts: each
// function runs this one shape, and through the registry every bundle would take in the other
// shapes too (their settings, with zod, at the cold start; SQLite, ioredis and pg as chunks beside),
// nearly doubling what a cold start loads.
import { type AwsBackend, type AwsBackendOptions, openAwsBackend } from '../../shapes/aws.ts';
import type { LambdaConfig } from './config.ts';

/**
 * What every function shares, built once per execution environment (outside
 * the handler): SDK clients, backend, use-case deps, metrics, logger. Each
 * handler factory adds its own part (the HTTP app, the SNS notifier), so a
 * function's bundle holds only what it uses.
 */
export interface LambdaRuntime {
  readonly config: LambdaConfig;
  readonly backend: AwsBackend;
  readonly deps: AppDeps;
  readonly emf: EmfMetrics;
  readonly logger: Logger;
  readonly clients: AwsBackendOptions['clients'];
  /** Set when orders run on Step Functions (ORDER_WORKFLOW=stepfunctions); its SFN client loads on first use. */
  readonly orderWorkflow: WorkflowLink | undefined;
}

export interface ComposeOptions {
  /** SDK client settings (tests point them at dynalite and fauxqs). */
  readonly clients?: AwsBackendOptions['clients'];
  /** The edge status store's client settings (tests point it at a local KeyValueStore). */
  readonly kvsClient?: CloudFrontKeyValueStoreClientConfig;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly writeMetrics?: (line: string) => void;
  readonly random?: () => number;
}

export function composeLambda(config: LambdaConfig, options: ComposeOptions = {}): LambdaRuntime {
  const logger = options.logger ?? createJsonLineLogger({ level: config.logLevel, destination: 1 });
  const backend = openAwsBackend({
    ledgerTable: config.ledgerTable,
    ordersTable: config.ordersTable,
    queueUrl: config.queueUrl,
    deadLetterQueueUrl: config.deadLetterQueueUrl,
    stockShards: config.stockShards,
    ...(options.clients === undefined ? {} : { clients: options.clients }),
    ...(options.random === undefined ? {} : { random: options.random }),
    onRelayError: (error) => logger.log('warn', 'event left for the outbox sweeper', { error }),
    onUnfinishedRelease: (error) => logger.log('warn', 'release left for the sweeper to finish', { error }),
  });
  const emf = createEmfMetrics({
    namespace: config.metricsNamespace,
    dimensions: { Service: config.serviceName },
    ...(options.writeMetrics === undefined ? {} : { write: options.writeMetrics }),
  });
  const clock = options.clock ?? systemClock;
  const edgeStatus = edgeStatusPublisher(config, backend, clock, logger, options.kvsClient);
  const orderWorkflow: WorkflowLink | undefined =
    config.orderWorkflow === 'stepfunctions'
      ? {
          workflow: new LazySfnOrderWorkflow(options.clients?.sfn ?? {}, config.stateMachineArn),
          tokens: backend.taskTokens,
          onResumeError: (error: unknown, orderId: string) =>
            logger.log('warn', 'order workflow not resumed: its timeout will read the ledger', {
              error,
              orderId,
            }),
        }
      : undefined;
  const appDeps = composeAppDeps(backend, {
    clock,
    metrics: emf.metrics,
    // A bucket per execution environment limits nothing fleet-wide: API Gateway's throttling does that.
    purchaseLimiter: undefined,
    // No sold-out board: learning a sale's holdings reads all its reservations, and a fleet of
    // environments each doing so every second would cost more reads than the losers it saves.
    soldOutBoard: undefined,
    // One GetItem per sale and environment; early attempts then cost no store access.
    saleCache: true,
    edgeStatus,
  });
  const deps: AppDeps = { ...appDeps, orderWorkflow };
  return { config, backend, deps, emf, logger, clients: options.clients, orderWorkflow };
}

/**
 * The edge's sale status, when the stack made one. Its SDK client is
 * imported on first use (a sale created, sold out, units released), so the
 * purchase path's cold start does not load it.
 */
function edgeStatusPublisher(
  config: LambdaConfig,
  backend: AwsBackend,
  clock: Clock,
  logger: Logger,
  kvsClient: CloudFrontKeyValueStoreClientConfig | undefined,
): EdgeStatusPublisher | undefined {
  const arn = config.edgeStatusStoreArn;
  if (arn === undefined) return undefined;
  return new EdgeStatusPublisher({
    store: async () => {
      const { KvsEdgeSaleStatus } = await import('../../adapters/cloudfront-kvs/kvs-edge-sale-status.ts');
      return new KvsEdgeSaleStatus(arn, kvsClient);
    },
    ledger: backend.ledger,
    clock,
    onError: (error, what) => logger.log('warn', 'edge status not published', { error, what }),
  });
}

/**
 * Makes one cheap DynamoDB call during init, so that credentials, endpoint
 * rules, the signer and a kept-alive connection are ready before the first
 * request. With provisioned concurrency, init runs ahead of traffic and the
 * first request is served warm; on an on-demand cold start the time merely
 * moves from the first invocation to init. Bounded, and never fatal: init
 * must not hang or fail because the store is slow.
 */
export async function primeOnInit(runtime: LambdaRuntime, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([runtime.backend.ledger.ping().catch(() => {}), timeout]);
  clearTimeout(timer);
}
