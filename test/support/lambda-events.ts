import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { HttpApiEvent } from '../../src/runtime/lambda/api-gateway.ts';

export interface HttpApiCall {
  readonly method: string;
  /** Path with an optional query string. */
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Claims API Gateway's JWT authorizer verified; absent for a route without the authorizer. */
  readonly claims?: Record<string, string | number | boolean | string[]>;
  readonly base64?: boolean;
  readonly routeKey?: string;
}

/**
 * An API Gateway HTTP API event, payload format 2.0, shaped like the ones
 * Lambda receives behind a `$default` stage (see the "Working with AWS Lambda
 * proxy integrations for HTTP APIs" page of the API Gateway guide).
 */
export function httpApiEvent(call: HttpApiCall): HttpApiEvent {
  const [rawPath, rawQueryString = ''] = call.path.split('?', 2) as [string, string?];
  const text =
    call.body === undefined
      ? undefined
      : typeof call.body === 'string'
        ? call.body
        : JSON.stringify(call.body);
  const now = Date.now();
  const headers: Record<string, string> = {
    accept: '*/*',
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'user-agent': 'curl/8.5.0',
    'x-amzn-trace-id': `Root=1-${now.toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    'x-forwarded-for': '198.51.100.7',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    ...(text === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }),
    ...call.headers,
  };
  const routeKey = call.routeKey ?? '$default';
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString === ''
      ? {}
      : { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: call.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'curl/8.5.0',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(call.claims === undefined
        ? {}
        : {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: call.claims, scopes: [] },
            },
          }),
    },
    ...(text === undefined
      ? { isBase64Encoded: false }
      : call.base64
        ? { body: Buffer.from(text).toString('base64'), isBase64Encoded: true }
        : { body: text, isBase64Encoded: false }),
  } as HttpApiEvent;
}

/**
 * Claims of a Cognito access token as an HTTP API JWT authorizer passes them:
 * every value a string, and `cognito:groups` flattened to "[a b]".
 */
export function cognitoClaims(sub: string, groups: string[] = []): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub,
    ...(groups.length === 0 ? {} : { 'cognito:groups': `[${groups.join(' ')}]` }),
    iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
    client_id: '1example23456789',
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: String(now - 60),
    exp: String(now + 3600),
    iat: String(now - 60),
    jti: randomUUID(),
    username: sub,
  };
}

/** One SQS message as the Lambda event source mapping hands it to the function. */
export function sqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'AROAEXAMPLE:flashsale-api',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
          stringListValues: [],
          binaryListValues: [],
          dataType: value.DataType ?? 'String',
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3] ?? 'us-east-1',
  };
}

/**
 * What Lambda's SQS event source mapping does, once: receive a batch, invoke
 * the function, delete the messages it did not report as failed (with
 * ReportBatchItemFailures). Failed ones stay on the queue for SQS to deliver
 * again, or to move to the DLQ after maxReceiveCount.
 */
export async function pollOnce(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
): Promise<{ received: number; failed: string[] }> {
  const { Messages: messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  if (messages.length === 0) return { received: 0, failed: [] };
  const arn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').at(-1)}`;
  const response = await handler({ Records: messages.map((m) => sqsRecord(m, arn)) });
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  if (done.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return { received: messages.length, failed: [...failed] };
}

/** Polls until the queue gives nothing (bounded). */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < 1000; i++) {
    const { received } = await pollOnce(sqs, queueUrl, handler);
    if (received === 0) return total;
    total += received;
  }
  throw new Error('queue did not drain');
}
