import type { DeadLetter, EventQueue, QueueDepth, QueuedEvent } from '../../ports/event-queue.ts';
import type { AwsClientConfig } from '../aws-lite/aws-json-service.ts';
import type { SqsEventQueue, SqsQueueOptions } from './sqs-event-queue.ts';

export interface LazySqsQueueOptions extends Omit<SqsQueueOptions, 'client'> {
  /** Settings of the SQS connection the queue makes when it is loaded. */
  readonly clientConfig: AwsClientConfig;
}

/**
 * The SQS queue, its module (with its SQS connection) imported on first
 * use. A Lambda function that seldom touches the queue leaves all of it
 * out of its cold start: the API sends to it once a purchase is stored (after
 * its DynamoDB writes), the consumer only to delay a failed message.
 */
export class LazySqsEventQueue implements EventQueue {
  readonly #options: LazySqsQueueOptions;
  #loading: Promise<SqsEventQueue> | undefined;
  #closed = false;

  constructor(options: LazySqsQueueOptions) {
    this.#options = options;
  }

  /** Loads the queue now rather than on first use (an entry point's init may, while it waits on I/O). */
  async load(): Promise<SqsEventQueue> {
    if (this.#closed) throw new Error('the SQS queue is closed');
    this.#loading ??= import('./sqs-event-queue.ts').then(({ openSqsEventQueue }) => {
      const { clientConfig, ...options } = this.#options;
      return openSqsEventQueue(clientConfig, options);
    });
    return this.#loading;
  }

  async publish(topic: string, body: string, now: number): Promise<string> {
    return (await this.load()).publish(topic, body, now);
  }

  async receive(max: number, now: number): Promise<QueuedEvent[]> {
    return (await this.load()).receive(max, now);
  }

  async ack(id: string): Promise<void> {
    await (await this.load()).ack(id);
  }

  async retryLater(id: string, error: string, at: number): Promise<void> {
    await (await this.load()).retryLater(id, error, at);
  }

  async deadLetter(id: string, error: string, now: number): Promise<void> {
    await (await this.load()).deadLetter(id, error, now);
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    return (await this.load()).listDeadLetters(limit);
  }

  async redrive(id: string, now: number): Promise<boolean> {
    return (await this.load()).redrive(id, now);
  }

  async depth(): Promise<QueueDepth> {
    return (await this.load()).depth();
  }

  async oldestPendingAt(): Promise<undefined> {
    return (await this.load()).oldestPendingAt();
  }

  /** See SqsEventQueue.delayRedelivery. */
  async delayRedelivery(receiptHandle: string, seconds: number): Promise<void> {
    await (await this.load()).delayRedelivery(receiptHandle, seconds);
  }

  /** Refuses further work (the connection's idle keep-alive sockets do not hold the process). */
  async close(): Promise<void> {
    this.#closed = true;
  }
}
