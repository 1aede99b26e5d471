import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { ledgerTableInput, ordersTableInput } from '../../src/adapters/dynamodb/tables.ts';
import type { AwsBackendOptions } from '../../src/shapes/aws.ts';
import { freePort } from './free-port.ts';

/**
 * Local stand-ins for the AWS APIs the serverless shape uses: dynalite
 * (DynamoDB, in a child process so it has its own core) and fauxqs (SQS and
 * SNS, in process), each on a free port.
 */
export interface LocalAws {
  readonly dynamodbEndpoint: string;
  readonly fauxqs: FauxqsServer;
  /** Fresh tables, queue (with its DLQ and redrive policy) and topic, named with a unique prefix. */
  createResources(options?: {
    maxReceiveCount?: number;
    visibilityTimeoutSeconds?: number;
  }): Promise<AwsResources>;
  /** The backend options for `resources` against these endpoints. */
  backendOptions(resources: AwsResources, extra?: Partial<AwsBackendOptions>): AwsBackendOptions;
  stop(): Promise<void>;
}

export interface AwsResources {
  readonly ledgerTable: string;
  readonly ordersTable: string;
  readonly queueName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueName: string;
  readonly deadLetterQueueUrl: string;
  readonly topicName: string;
  readonly topicArn: string;
  /** A queue subscribed to the topic, to see what was published. */
  readonly topicTapQueueUrl: string;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A client's settings for a local stand-in at `endpoint`: the local region and credentials. */
export function localClientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}

export interface LocalAwsOptions {
  /** Address to listen on (127.0.0.1 by default; 0.0.0.0 lets containers such as SAM's reach them). */
  readonly host?: string;
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const host = options.host ?? '127.0.0.1';
  const [dynalite, fauxqs] = await Promise.all([
    startDynalite(host, options.dynamodbPort),
    startFauxqs({ port: options.sqsPort ?? 0, host, logger: false }),
  ]);
  const dynamodb = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    dynamodbEndpoint: dynalite.endpoint,
    fauxqs,
    async createResources(options = {}) {
      const prefix = `t${randomUUID().slice(0, 8)}`;
      const ledgerTable = `${prefix}-ledger`;
      const ordersTable = `${prefix}-orders`;
      await Promise.all([
        dynamodb.send(new CreateTableCommand(ledgerTableInput(ledgerTable))),
        dynamodb.send(new CreateTableCommand(ordersTableInput(ordersTable))),
      ]);
      await Promise.all([waitActive(dynamodb, ledgerTable), waitActive(dynamodb, ordersTable)]);
      const dlq = fauxqs.createQueue(`${prefix}-orders-dlq`);
      const queue = fauxqs.createQueue(`${prefix}-orders`, {
        attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlq.queueArn,
            maxReceiveCount: String(options.maxReceiveCount ?? 100),
          }),
        },
      });
      const topicName = `${prefix}-order-events`;
      const { topicArn } = fauxqs.createTopic(topicName);
      const tap = fauxqs.createQueue(`${prefix}-order-events-tap`);
      fauxqs.subscribe({
        topic: topicName,
        queue: tap.queueName,
        attributes: { RawMessageDelivery: 'true' },
      });
      return {
        ledgerTable,
        ordersTable,
        queueName: queue.queueName,
        queueUrl: queue.queueUrl,
        deadLetterQueueName: dlq.queueName,
        deadLetterQueueUrl: dlq.queueUrl,
        topicName,
        topicArn,
        topicTapQueueUrl: tap.queueUrl,
      };
    },
    backendOptions(resources, extra = {}) {
      return {
        ledgerTable: resources.ledgerTable,
        ordersTable: resources.ordersTable,
        queueUrl: resources.queueUrl,
        deadLetterQueueUrl: resources.deadLetterQueueUrl,
        clients: {
          dynamodb: localClientConfig(dynalite.endpoint),
          sqs: localClientConfig(fauxqs.address),
          sns: localClientConfig(fauxqs.address),
        },
        ...extra,
      };
    },
    async stop() {
      dynamodb.destroy();
      await fauxqs.stop();
      await dynalite.stop();
    },
  };
}

async function waitActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${tableName} did not become active`);
}

/** dynalite in its own node process (the same node as the tests), in memory. */
async function startDynalite(
  host: string,
  fixedPort?: number,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const cli = createRequire(import.meta.url).resolve('dynalite/cli.js');
  for (let attempt = 0; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child: ChildProcess = spawn(
      process.execPath,
      [cli, '--port', String(port), '--host', host, '--createTableMs', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const started = await new Promise<boolean>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) resolve(true);
      });
      child.once('exit', () => resolve(false));
    });
    if (!started) {
      if (attempt < 3 && fixedPort === undefined) continue; // the port was taken between choosing and listening
      throw new Error('dynalite did not start');
    }
    return {
      endpoint: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  }
}
