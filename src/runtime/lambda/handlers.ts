import type {
  APIGatewayProxyStructuredResultV2,
  Context,
  ScheduledEvent,
  SQSBatchItemFailure,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { recordOrderEvent } from '../../app/order-events.ts';
import { defaultWorkerOptions, retryDelay } from '../../app/order-worker.ts';
import { expireDue } from '../../app/orders.ts';
import { type HttpApiEvent, requestFromEvent, resultFromResponse } from './api-gateway.ts';
import type { LambdaRuntime } from './compose.ts';

/** Only the fields of the Lambda context the handlers use (tests pass a plain object). */
export type InvocationContext = Pick<Context, 'awsRequestId'>;

/** API Gateway HTTP API -> the same app the Node server runs. */
export function createApiHandler(runtime: LambdaRuntime) {
  const { app, emf } = runtime;
  return async (
    event: HttpApiEvent,
    _context?: InvocationContext,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const response = await app.handle(requestFromEvent(event));
      return resultFromResponse(response, event.requestContext.http.method);
    } finally {
      emf.flush();
    }
  };
}

/**
 * The order pipeline's consumer: an SQS batch, each message applied to its
 * order record on its own. A failed message is reported in
 * `batchItemFailures` (the event source mapping has ReportBatchItemFailures
 * on), so only it comes back, after an exponential back-off set through its
 * visibility timeout; the others are deleted. After maxReceiveCount receives
 * SQS moves it to the dead-letter queue.
 */
export function createConsumerHandler(runtime: LambdaRuntime) {
  const { backend, deps, emf, logger, config } = runtime;
  return async (event: SQSEvent, context?: InvocationContext): Promise<SQSBatchResponse> => {
    const failures: SQSBatchItemFailure[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          await recordOrderEvent(deps, topicOf(record), record.body, backend.notifier);
          deps.metrics.orderEvent('processed');
        } catch (error) {
          failures.push({ itemIdentifier: record.messageId });
          const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
          const lastTry = receives >= config.maxReceiveCount;
          deps.metrics.orderEvent(lastTry ? 'dead_lettered' : 'retried');
          logger.log(lastTry ? 'error' : 'warn', 'order event failed', {
            error,
            messageId: record.messageId,
            receives,
            requestId: context?.awsRequestId,
          });
          if (!lastTry) {
            const seconds = retryDelay(defaultWorkerOptions, receives) / 1000;
            await backend.queue.delayRedelivery(record.receiptHandle, seconds).catch(() => {});
          }
        }
      }),
    );
    emf.flush();
    return { batchItemFailures: failures };
  };
}

/**
 * Every minute (EventBridge rule): releases unpaid reservations whose payment
 * window closed, and sends again any event the outbox still flags unsent.
 */
export function createSweepHandler(runtime: LambdaRuntime) {
  const { backend, deps, emf, logger } = runtime;
  return async (
    _event: ScheduledEvent | Record<string, never>,
    context?: InvocationContext,
  ): Promise<{ expired: number; relayed: number }> => {
    try {
      const expired = await expireDue(deps);
      const relayed = await backend.relayUnsentEvents(deps.clock.now());
      logger.log('info', 'sweep done', { expired, relayed, requestId: context?.awsRequestId });
      return { expired, relayed };
    } finally {
      emf.flush();
    }
  };
}

function topicOf(record: SQSRecord): string {
  return record.messageAttributes.topic?.stringValue ?? 'unknown';
}
