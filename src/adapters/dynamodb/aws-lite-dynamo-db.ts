import { setTimeout as sleep } from 'node:timers/promises';
import awsLite from '@aws-lite/client';
import {
  type DynamoDb,
  type DynamoDbConfig,
  DynamoDbError,
  type DynamoDbOperation,
  type DynamoDbOperations,
} from './dynamo-db.ts';

type AwsLiteClient = Awaited<ReturnType<typeof awsLite>>;

const REPLICATED_WRITE_CONFLICT = 'ReplicatedWriteConflictException';
/**
 * Tries of a write that another Region of a global table was writing at that
 * moment: DynamoDB applied nothing and says to try again (aws-lite retries
 * throttling, not this). After the last, the ledger turns to another shard.
 */
export const REPLICATED_CONFLICT_ATTEMPTS = 4;
const CONFLICT_BACKOFF_MS = 25;

/**
 * DynamoDB through `@aws-lite/client`: SigV4-signed JSON requests, retries of
 * throttling, transient and connection errors with jittered backoff (and, here,
 * of replicated write conflicts), and keep-alive connections. A Lambda cold start loads it in about a tenth of
 * the time the SDK's DynamoDB client takes (docs/decisions.md).
 *
 * The endpoint is `config.endpoint`, else AWS_ENDPOINT_URL_DYNAMODB or
 * AWS_ENDPOINT_URL (as the SDK reads them), else DynamoDB's regional one.
 */
export function openDynamoDb(config: DynamoDbConfig = {}): DynamoDb {
  let client: Promise<AwsLiteClient> | undefined;
  const connect = (): Promise<AwsLiteClient> => {
    client ??= awsLite(clientConfig(config)).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  return {
    async send<Op extends DynamoDbOperation>(
      operation: Op,
      input: DynamoDbOperations[Op]['input'],
    ): Promise<DynamoDbOperations[Op]['output']> {
      const aws = await connect();
      for (let attempt = 1; ; attempt++) {
        try {
          const { payload } = await aws({
            service: 'dynamodb',
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'x-amz-target': `DynamoDB_20120810.${operation}`,
            },
            // The input is DynamoDB's own JSON already: no conversion from plain values.
            awsjson: false,
            payload: { ...input },
          });
          return payload as DynamoDbOperations[Op]['output'];
        } catch (error) {
          const failure = dynamoDbError(operation, error);
          if (failure.name !== REPLICATED_WRITE_CONFLICT || attempt === REPLICATED_CONFLICT_ATTEMPTS) {
            throw failure;
          }
          await sleep(Math.random() * CONFLICT_BACKOFF_MS * 2 ** (attempt - 1));
        }
      }
    },
  };
}

function clientConfig(config: DynamoDbConfig): Parameters<typeof awsLite>[0] {
  const endpoint = config.endpoint ?? process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  return {
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.credentials === undefined
      ? {}
      : {
          accessKeyId: config.credentials.accessKeyId,
          secretAccessKey: config.credentials.secretAccessKey,
          ...(config.credentials.sessionToken === undefined
            ? {}
            : { sessionToken: config.credentials.sessionToken }),
        }),
    keepAlive: true,
    autoloadPlugins: false,
  };
}

interface AwsLiteError {
  readonly statusCode?: unknown;
  readonly __type?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
}

/** aws-lite's error (`__type` `com.amazonaws.dynamodb.v20120810#Code`, `statusCode`) as a `DynamoDbError`. */
function dynamoDbError(operation: DynamoDbOperation, error: unknown): DynamoDbError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as AwsLiteError;
  const statusCode = typeof fields.statusCode === 'number' ? fields.statusCode : undefined;
  const type =
    typeof fields.__type === 'string' ? fields.__type : typeof fields.code === 'string' ? fields.code : '';
  const name =
    statusCode === undefined || type === '' ? 'NetworkingError' : type.slice(type.lastIndexOf('#') + 1);
  const detail = typeof fields.message === 'string' ? fields.message : String(error);
  return new DynamoDbError(name, `DynamoDB ${operation}: ${detail}`, statusCode, { cause: error });
}
