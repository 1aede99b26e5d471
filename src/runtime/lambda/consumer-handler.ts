import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SnsOrderNotifier } from '../../adapters/sns/sns-order-notifier.ts';
import { recordOrderEvent } from '../../app/order-events.ts';
import { defaultWorkerOptions, retryDelay } from '../../app/order-worker.ts';
import { startOrderWorkflow } from '../../app/order-workflow.ts';
import type { OrderNotifier } from '../../ports/order-notifier.ts';
import type { LambdaRuntime } from './compose.ts';
import type { InvocationContext } from './context.ts';

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
  const notifier: OrderNotifier | undefined =
    config.orderEventsTopicArn === undefined
      ? undefined
      : new SnsOrderNotifier(config.orderEventsTopicArn, runtime.clients?.sns ?? {});
  // With orders on Step Functions, a new reservation starts its order's execution instead.
  const workflow = runtime.orderWorkflow?.workflow;
  const handle = (record: SQSRecord) =>
    workflow === undefined
      ? recordOrderEvent(deps, topicOf(record), record.body, notifier)
      : startOrderWorkflow(workflow, topicOf(record), record.body);
  return async (event: SQSEvent, context?: InvocationContext): Promise<SQSBatchResponse> => {
    const failures: SQSBatchItemFailure[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          await handle(record);
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
            ...causedBy(record.body),
            awsRequestId: context?.awsRequestId,
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

function topicOf(record: SQSRecord): string {
  return record.messageAttributes.topic?.stringValue ?? 'unknown';
}

/** The ids a failed event's log line carries: its order, and the HTTP request that made it (when known). */
function causedBy(body: string): { orderId?: string; requestId?: string } {
  try {
    const { orderId, requestId } = JSON.parse(body) as { orderId?: unknown; requestId?: unknown };
    return {
      ...(typeof orderId === 'string' ? { orderId } : {}),
      ...(typeof requestId === 'string' ? { requestId } : {}),
    };
  } catch {
    return {};
  }
}
