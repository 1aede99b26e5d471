import type { Message } from '@aws-sdk/client-sqs';
import type { DeadLetter, EventQueue, QueueDepth, QueuedEvent } from '../../ports/event-queue.ts';
import type { AwsClientConfig } from '../aws-lite/aws-json-service.ts';
import { openSqs, type Sqs } from './sqs.ts';

export interface SqsQueueOptions {
  readonly client: Sqs;
  readonly queueUrl: string;
  /** The queue's redrive target: where SQS moves a message after maxReceiveCount receives. */
  readonly deadLetterQueueUrl: string;
  /** How long a received message stays invisible to other consumers. */
  readonly visibilityTimeoutSeconds?: number;
}

const MAX_VISIBILITY_SECONDS = 12 * 3600;

/** A queue on an SQS connection of its own, made from `clientConfig`. */
export function openSqsEventQueue(
  clientConfig: AwsClientConfig,
  options: Omit<SqsQueueOptions, 'client'>,
): SqsEventQueue {
  return new SqsEventQueue({ ...options, client: openSqs(clientConfig) });
}

/**
 * The order pipeline's queue on SQS. Message attribute `topic` carries the
 * event's topic; an event's id is its receipt handle while it is in flight.
 *
 * Failed deliveries: `retryLater` shortens the message's visibility (SQS
 * counts whole seconds, so back-offs under a second retry at once), and
 * `attempts` is SQS's ApproximateReceiveCount - 1. The queue's own redrive
 * policy moves a message to the dead-letter queue after maxReceiveCount
 * receives; `deadLetter` does the same explicitly, with the error attached.
 *
 * SQS has no peek or lookup by id, so listing and redriving dead letters
 * receive from the DLQ and make what they did not take visible again: fine
 * for an operator's handful of messages, not a bulk tool (the SQS console's
 * "start DLQ redrive" is that).
 */
export class SqsEventQueue implements EventQueue {
  readonly #sqs: Sqs;
  readonly #queueUrl: string;
  readonly #dlqUrl: string;
  readonly #visibility: number;
  /** In-flight messages by receipt handle: what `deadLetter` needs to copy. */
  readonly #inFlight = new Map<string, { event: QueuedEvent; receivedAt: number }>();

  constructor(options: SqsQueueOptions) {
    this.#sqs = options.client;
    this.#queueUrl = options.queueUrl;
    this.#dlqUrl = options.deadLetterQueueUrl;
    this.#visibility = options.visibilityTimeoutSeconds ?? 30;
  }

  async publish(topic: string, body: string, _now: number): Promise<string> {
    const result = await this.#sqs.send('SendMessage', {
      QueueUrl: this.#queueUrl,
      MessageBody: body,
      MessageAttributes: { topic: { DataType: 'String', StringValue: topic } },
    });
    return result.MessageId ?? '';
  }

  async receive(max: number, now: number): Promise<QueuedEvent[]> {
    const events: QueuedEvent[] = [];
    while (events.length < max) {
      const messages = await this.#receiveFrom(
        this.#queueUrl,
        Math.min(10, max - events.length),
        this.#visibility,
      );
      if (messages.length === 0) break;
      for (const message of messages) {
        const event: QueuedEvent = {
          id: message.ReceiptHandle!,
          topic: topicOf(message),
          body: message.Body ?? '',
          attempts: receiveCount(message) - 1,
        };
        this.#inFlight.set(event.id, { event, receivedAt: now });
        events.push(event);
      }
    }
    return events;
  }

  async ack(id: string): Promise<void> {
    this.#inFlight.delete(id);
    await this.#sqs.send('DeleteMessage', { QueueUrl: this.#queueUrl, ReceiptHandle: id });
  }

  async retryLater(id: string, _error: string, at: number): Promise<void> {
    const receivedAt = this.#inFlight.get(id)?.receivedAt ?? at;
    this.#inFlight.delete(id);
    await this.#hide(id, Math.floor((at - receivedAt) / 1000));
  }

  async deadLetter(id: string, error: string, now: number): Promise<void> {
    const entry = this.#inFlight.get(id);
    this.#inFlight.delete(id);
    if (entry === undefined) throw new Error('deadLetter: the message is not in flight in this consumer');
    const { event } = entry;
    await this.#sqs.send('SendMessage', {
      QueueUrl: this.#dlqUrl,
      MessageBody: event.body,
      MessageAttributes: {
        topic: { DataType: 'String', StringValue: event.topic },
        attempts: { DataType: 'Number', StringValue: String(event.attempts + 1) },
        lastError: { DataType: 'String', StringValue: error.slice(0, 1000) || 'unknown error' },
        failedAt: { DataType: 'Number', StringValue: String(now) },
      },
    });
    await this.#sqs.send('DeleteMessage', { QueueUrl: this.#queueUrl, ReceiptHandle: id });
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const { seen } = await this.#browseDeadLetters(limit, () => false);
    return seen.map(deadLetterOf);
  }

  async redrive(id: string, _now: number): Promise<boolean> {
    const {
      taken: [found],
    } = await this.#browseDeadLetters(Number.MAX_SAFE_INTEGER, (m) => m.MessageId === id);
    if (found === undefined) return false;
    await this.publish(topicOf(found), found.Body ?? '', 0);
    await this.#sqs.send('DeleteMessage', { QueueUrl: this.#dlqUrl, ReceiptHandle: found.ReceiptHandle });
    return true;
  }

  /** Lambda's consumer: leaves a failed message invisible for `seconds` before SQS delivers it again. */
  async delayRedelivery(receiptHandle: string, seconds: number): Promise<void> {
    await this.#hide(receiptHandle, Math.round(seconds));
  }

  async depth(): Promise<QueueDepth> {
    const [pending, dead] = await Promise.all([this.#count(this.#queueUrl), this.#count(this.#dlqUrl)]);
    return { pending, dead };
  }

  /** SQS tells the age of its oldest message to CloudWatch only (ApproximateAgeOfOldestMessage). */
  async oldestPendingAt(): Promise<undefined> {
    return undefined;
  }

  /** Leaves an in-flight message of the queue invisible for `seconds` (whole, within SQS's bounds). */
  async #hide(receiptHandle: string, seconds: number): Promise<void> {
    await this.#sqs.send('ChangeMessageVisibility', {
      QueueUrl: this.#queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, seconds)),
    });
  }

  /**
   * Receives from the DLQ until `limit` messages were seen or `take` picked
   * one; everything not taken is made visible again. A taken message stays
   * invisible for the caller to delete.
   */
  async #browseDeadLetters(
    limit: number,
    take: (message: Message) => boolean,
  ): Promise<{ seen: Message[]; taken: Message[] }> {
    const seen: Message[] = [];
    const taken: Message[] = [];
    try {
      while (seen.length < limit && taken.length === 0) {
        const batch = await this.#receiveFrom(this.#dlqUrl, Math.min(10, limit - seen.length), 30);
        if (batch.length === 0) break;
        for (const message of batch) (take(message) && taken.length === 0 ? taken : seen).push(message);
      }
    } finally {
      for (let i = 0; i < seen.length; i += 10) {
        await this.#sqs.send('ChangeMessageVisibilityBatch', {
          QueueUrl: this.#dlqUrl,
          Entries: seen.slice(i, i + 10).map((m, j) => ({
            Id: String(j),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        });
      }
    }
    return { seen, taken };
  }

  async #receiveFrom(queueUrl: string, max: number, visibility: number): Promise<Message[]> {
    const result = await this.#sqs.send('ReceiveMessage', {
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      VisibilityTimeout: visibility,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      MessageAttributeNames: ['All'],
    });
    return result.Messages ?? [];
  }

  async #count(queueUrl: string): Promise<number> {
    const { Attributes: a = {} } = await this.#sqs.send('GetQueueAttributes', {
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    });
    return (
      Number(a.ApproximateNumberOfMessages ?? 0) +
      Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }
}

function topicOf(message: Message): string {
  return message.MessageAttributes?.topic?.StringValue ?? 'unknown';
}

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? 1);
}

/** A DLQ message as a dead letter. Ones SQS moved itself carry no error: say why they are there. */
function deadLetterOf(message: Message): DeadLetter {
  const attrs = message.MessageAttributes ?? {};
  const attempts = attrs.attempts?.StringValue;
  return {
    id: message.MessageId ?? '',
    topic: topicOf(message),
    body: message.Body ?? '',
    attempts: attempts === undefined ? receiveCount(message) - 1 : Number(attempts),
    lastError:
      attrs.lastError?.StringValue ?? 'moved by the queue redrive policy after maxReceiveCount receives',
    failedAt: Number(attrs.failedAt?.StringValue ?? message.Attributes?.SentTimestamp ?? 0),
  };
}
