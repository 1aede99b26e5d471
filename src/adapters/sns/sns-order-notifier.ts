import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { OrderNotification, OrderNotifier } from '../../ports/order-notifier.ts';

/**
 * Order events on an SNS topic: the message is the order as JSON, with
 * attributes `event` (order.confirmed, order.paid, order.expired,
 * order.cancelled) for subscription filter policies and `dedupeId`
 * (`<orderId>:<status>`) for subscribers that must not act twice.
 */
export class SnsOrderNotifier implements OrderNotifier {
  readonly #sns: SNSClient;
  readonly #topicArn: string;

  constructor(topicArn: string, clientConfig: SNSClientConfig = {}) {
    this.#sns = new SNSClient(clientConfig);
    this.#topicArn = topicArn;
  }

  close(): void {
    this.#sns.destroy();
  }

  async orderChanged(notification: OrderNotification): Promise<void> {
    await this.#sns.send(
      new PublishCommand({
        TopicArn: this.#topicArn,
        Message: JSON.stringify({ event: `order.${notification.status}`, ...notification }),
        MessageAttributes: {
          event: { DataType: 'String', StringValue: `order.${notification.status}` },
          dedupeId: { DataType: 'String', StringValue: `${notification.orderId}:${notification.status}` },
        },
      }),
    );
  }
}
