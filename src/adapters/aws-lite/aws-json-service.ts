import { setTimeout as sleep } from 'node:timers/promises';
import awsLite from '@aws-lite/client';

type AwsLiteClient = Awaited<ReturnType<typeof awsLite>>;

/** Where and as whom to call a service; unset fields come from the environment (AWS_REGION, AWS_ACCESS_KEY_ID…). */
export interface AwsClientConfig {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/**
 * A failed call. `name` is the service's error code without its namespace
 * (`ConditionalCheckFailedException`), or `NetworkingError` when no answer
 * came; `statusCode` is the HTTP status the service answered, if it did.
 */
export class AwsServiceError extends Error {
  override readonly name: string;
  readonly statusCode: number | undefined;

  constructor(name: string, message: string, statusCode: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
    this.statusCode = statusCode;
  }
}

/** An AWS service that speaks the JSON 1.0 protocol (`X-Amz-Target`), as DynamoDB and SQS do. */
export interface AwsJsonServiceSpec {
  /** aws-lite's service name, also the endpoint's host prefix: `dynamodb`, `sqs`. */
  readonly service: string;
  /** The target's prefix: `DynamoDB_20120810`, `AmazonSQS`. */
  readonly targetPrefix: string;
  /** The SDK's service-specific endpoint variable, read as the SDK reads it: `AWS_ENDPOINT_URL_SQS`. */
  readonly endpointVariable: string;
  /** Error codes that mean "nothing was done, try again" which aws-lite does not retry by itself. */
  readonly retryableCodes?: readonly string[];
}

/** An SDK command's output type without the SDK's `$metadata`: the service's JSON reply as it arrives. */
export type ServiceReply<Output> = Omit<Output, '$metadata'>;

/** A service's operations: each one's input and output, as the JSON protocol carries them. */
export type OperationShapes<Ops> = { [Op in keyof Ops]: { input: object; output: unknown } };

/** One call per operation, typed by the service's `OperationShapes`; errors as `AwsServiceError`. */
export interface AwsJsonService<Ops extends OperationShapes<Ops>> {
  send<Op extends keyof Ops & string>(operation: Op, input: Ops[Op]['input']): Promise<Ops[Op]['output']>;
}

/** Tries of a call whose error is in the spec's `retryableCodes`. */
export const RETRYABLE_CODE_ATTEMPTS = 4;
const RETRY_BACKOFF_MS = 25;

/**
 * A JSON-protocol AWS service through `@aws-lite/client`: SigV4-signed
 * requests, retries of throttling, transient and connection errors with
 * jittered backoff (and of the spec's own retryable codes), keep-alive
 * connections. A Lambda cold start loads it in a fraction of the time the
 * SDK's clients take (docs/decisions.md). The input and output are the
 * service's own JSON, untouched.
 *
 * The endpoint is `config.endpoint`, else the spec's variable or
 * AWS_ENDPOINT_URL (as the SDK reads them), else the regional one.
 */
export function openAwsJsonService<Ops extends OperationShapes<Ops>>(
  spec: AwsJsonServiceSpec,
  config: AwsClientConfig = {},
): AwsJsonService<Ops> {
  let client: Promise<AwsLiteClient> | undefined;
  const connect = (): Promise<AwsLiteClient> => {
    client ??= awsLite(clientConfig(spec, config)).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  const retryable = new Set(spec.retryableCodes ?? []);
  return {
    async send(operation, input) {
      const aws = await connect();
      for (let attempt = 1; ; attempt++) {
        try {
          const { payload } = await aws({
            service: spec.service,
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/x-amz-json-1.0',
              'x-amz-target': `${spec.targetPrefix}.${operation}`,
            },
            // The input is the service's JSON already: no conversion from plain values.
            awsjson: false,
            payload: { ...input },
          });
          return payload as Ops[typeof operation]['output'];
        } catch (error) {
          const failure = serviceError(spec.service, operation, error);
          if (!retryable.has(failure.name) || attempt === RETRYABLE_CODE_ATTEMPTS) throw failure;
          await sleep(Math.random() * RETRY_BACKOFF_MS * 2 ** (attempt - 1));
        }
      }
    },
  };
}

function clientConfig(spec: AwsJsonServiceSpec, config: AwsClientConfig): Parameters<typeof awsLite>[0] {
  const endpoint = config.endpoint ?? process.env[spec.endpointVariable] ?? process.env.AWS_ENDPOINT_URL;
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

/** aws-lite's error (`__type` `com.amazonaws.dynamodb.v20120810#Code`, `statusCode`) as an `AwsServiceError`. */
function serviceError(service: string, operation: string, error: unknown): AwsServiceError {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as AwsLiteError;
  const statusCode = typeof fields.statusCode === 'number' ? fields.statusCode : undefined;
  const type =
    typeof fields.__type === 'string' ? fields.__type : typeof fields.code === 'string' ? fields.code : '';
  const name =
    statusCode === undefined || type === '' ? 'NetworkingError' : type.slice(type.lastIndexOf('#') + 1);
  const detail = typeof fields.message === 'string' ? fields.message : String(error);
  return new AwsServiceError(name, `${service} ${operation}: ${detail}`, statusCode, { cause: error });
}
