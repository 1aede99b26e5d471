import type { SFNClientConfig } from '@aws-sdk/client-sfn';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import type { AwsClientConfig } from '../adapters/aws-lite/aws-json-service.ts';
import { openDynamoDb } from '../adapters/dynamodb/dynamo-db.ts';
import { DynamoOrderStore } from '../adapters/dynamodb/dynamo-order-store.ts';
import { DynamoStockLedger } from '../adapters/dynamodb/dynamo-stock-ledger.ts';
import { DynamoTaskTokens } from '../adapters/dynamodb/dynamo-task-tokens.ts';
import { BroadcastSoldOutSignal } from '../adapters/memory/broadcast-sold-out-signal.ts';
import { LazySqsEventQueue } from '../adapters/sqs/lazy-sqs-event-queue.ts';
import type { Backend } from '../ports/backend.ts';

export interface AwsBackendOptions {
  readonly ledgerTable: string;
  readonly ordersTable: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** Shards of a new sale's stock (default 4). */
  readonly stockShards?: number;
  /** Client settings (region, endpoint, credentials) per service. */
  readonly clients?: {
    readonly dynamodb?: AwsClientConfig;
    readonly sqs?: AwsClientConfig;
    readonly sns?: SNSClientConfig;
    readonly sfn?: SFNClientConfig;
  };
  readonly onRelayError?: (error: unknown) => void;
  /** A release recorded but left half-done by a failed write; the sweeper finishes it. */
  readonly onUnfinishedRelease?: (error: unknown) => void;
  readonly random?: () => number;
  readonly claimLeaseMs?: number;
  readonly queueVisibilityTimeoutSeconds?: number;
}

/**
 * The AWS serverless shape: ledger and orders on DynamoDB, the order pipeline
 * on SQS. Order events go to SNS through `SnsOrderNotifier`, which only the
 * queue consumer creates (so the other functions' bundles leave the SNS
 * client out). The SQS client is loaded on the queue's first use, so a cold
 * start loads the DynamoDB client only: `@aws-lite/client`, not the SDK's.
 */
export interface AwsBackend extends Backend {
  readonly ledger: DynamoStockLedger;
  readonly queue: LazySqsEventQueue;
  /** The order workflow's task tokens, on the orders table (used only when orders run on Step Functions). */
  readonly taskTokens: DynamoTaskTokens;
  /** The outbox sweeper: resends events a crash or an SQS fault left unsent. */
  relayUnsentEvents(now: number, graceMs?: number): Promise<number>;
}

export function openAwsBackend(options: AwsBackendOptions): AwsBackend {
  const dynamodb = openDynamoDb(options.clients?.dynamodb);
  const queue = new LazySqsEventQueue({
    clientConfig: options.clients?.sqs ?? {},
    queueUrl: options.queueUrl,
    deadLetterQueueUrl: options.deadLetterQueueUrl,
    ...(options.queueVisibilityTimeoutSeconds === undefined
      ? {}
      : { visibilityTimeoutSeconds: options.queueVisibilityTimeoutSeconds }),
  });
  const soldOut = new BroadcastSoldOutSignal();
  const ledger = new DynamoStockLedger({
    client: dynamodb,
    tableName: options.ledgerTable,
    stockShards: options.stockShards ?? 4,
    relay: async (topic, body) => {
      await queue.publish(topic, body, 0);
    },
    ...(options.onRelayError === undefined ? {} : { onRelayError: options.onRelayError }),
    ...(options.onUnfinishedRelease === undefined
      ? {}
      : { onUnfinishedRelease: options.onUnfinishedRelease }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.claimLeaseMs === undefined ? {} : { claimLeaseMs: options.claimLeaseMs }),
  });
  return {
    name: 'aws',
    ledger,
    orders: new DynamoOrderStore(dynamodb, options.ordersTable),
    queue,
    taskTokens: new DynamoTaskTokens(dynamodb, options.ordersTable),
    relayUnsentEvents: (now, graceMs) => ledger.relayUnsentEvents(now, graceMs),
    // A Lambda instance keeps its own sold-out flag: instances share no memory, and need none.
    soldOut,
    async close() {
      await soldOut.close();
      await queue.close();
    },
  };
}
