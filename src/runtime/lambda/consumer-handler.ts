import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AppSyncPublisher } from '../../adapters/appsync/appsync-publisher.ts';
import { SnsOrderNotifier } from '../../adapters/sns/sns-order-notifier.ts';
import { recordOrderEvent } from '../../app/order-events.ts';
import { defaultWorkerOptions, retryDelay } from '../../app/order-worker.ts';
import { startOrderWorkflow } from '../../app/order-workflow.ts';
import { getSale } from '../../app/sales.ts';
import type { LambdaRuntime } from './compose.ts';
import type { InvocationContext } from './context.ts';
import { bothNotifiers, graphqlPublisher } from './graphql-publisher.ts';

/**
 * The order pipeline's consumer: an SQS batch, each message applied to its
 * order record on its own. A failed message is reported in
 * `batchItemFailures` (the event source mapping has ReportBatchItemFailures
 * on), so only it comes back, after an exponential back-off set through its
 * visibility timeout; the others are deleted. After maxReceiveCount receives
 * SQS moves it to the dead-letter queue.
 */
export function createConsumerHandler(runtime: LambdaRuntime & { readonly appsync?: AppSyncPublisher }) {
  const { backend, deps, emf, logger, config } = runtime;
  const sns =
    config.orderEventsTopicArn === undefined
      ? undefined
      : new SnsOrderNotifier(config.orderEventsTopicArn, runtime.clients?.sns ?? {});
  const appsync = runtime.appsync ?? graphqlPublisher(config);
  const notifier = bothNotifiers(sns, appsync);
  // With orders on Step Functions, a new reservation starts its order's execution instead.
  const workflow = runtime.orderWorkflow?.workflow;
  /** Handles one event; true when it moved its order (the sale's status is then pushed to AppSync). */
  const handle = async (record: SQSRecord): Promise<boolean> => {
    if (workflow !== undefined) {
      await startOrderWorkflow(workflow, topicOf(record), record.body);
      return false;
    }
    return (await recordOrderEvent(deps, topicOf(record), record.body, notifier)).kind === 'move';
  };
  return async (event: SQSEvent, context?: InvocationContext): Promise<SQSBatchResponse> => {
    const failures: SQSBatchItemFailure[] = [];
    const salesTouched = new Set<string>();
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          const moved = await handle(record);
          deps.metrics.orderEvent('processed');
          if (appsync !== undefined && moved) salesTouched.add(saleOf(record.body));
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
    // Units left change with every reservation: each sale this batch moved is told once, after it.
    if (appsync !== undefined) await publishSales(runtime, appsync, salesTouched);
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

function saleOf(body: string): string {
  return (JSON.parse(body) as { saleId: string }).saleId;
}

/** Best effort: a sale's status is read and pushed again on its next batch. */
async function publishSales(
  runtime: LambdaRuntime,
  appsync: AppSyncPublisher,
  saleIds: ReadonlySet<string>,
): Promise<void> {
  await Promise.all(
    [...saleIds].map(async (saleId) => {
      try {
        const sale = await getSale(runtime.deps, saleId);
        await appsync.saleChanged({
          saleId,
          status: sale.status,
          available: sale.available,
          at: runtime.deps.clock.now(),
        });
      } catch (error) {
        runtime.logger.log('warn', 'sale status not pushed to AppSync', { saleId, error });
      }
    }),
  );
}
