import type {
  ChangeMessageVisibilityBatchCommandInput,
  ChangeMessageVisibilityBatchCommandOutput,
  ChangeMessageVisibilityCommandInput,
  DeleteMessageCommandInput,
  GetQueueAttributesCommandInput,
  GetQueueAttributesCommandOutput,
  ReceiveMessageCommandInput,
  ReceiveMessageCommandOutput,
  SendMessageCommandInput,
  SendMessageCommandOutput,
} from '@aws-sdk/client-sqs';
import {
  type AwsClientConfig,
  type AwsJsonService,
  openAwsJsonService,
  type ServiceReply,
} from '../aws-lite/aws-json-service.ts';

/**
 * The SQS operations the queue calls, in SQS's JSON protocol (the SDK's
 * command types describe the same shapes; only their types are used here).
 */
export interface SqsOperations {
  ChangeMessageVisibility: { input: ChangeMessageVisibilityCommandInput; output: unknown };
  ChangeMessageVisibilityBatch: {
    input: ChangeMessageVisibilityBatchCommandInput;
    output: ServiceReply<ChangeMessageVisibilityBatchCommandOutput>;
  };
  DeleteMessage: { input: DeleteMessageCommandInput; output: unknown };
  GetQueueAttributes: {
    input: GetQueueAttributesCommandInput;
    output: ServiceReply<GetQueueAttributesCommandOutput>;
  };
  ReceiveMessage: { input: ReceiveMessageCommandInput; output: ServiceReply<ReceiveMessageCommandOutput> };
  SendMessage: { input: SendMessageCommandInput; output: ServiceReply<SendMessageCommandOutput> };
}

/** An SQS connection: one call per operation, errors as `AwsServiceError`. */
export type Sqs = AwsJsonService<SqsOperations>;

/** SQS on aws-lite; errors are `AwsServiceError`s named by SQS's code. */
export function openSqs(config?: AwsClientConfig): Sqs {
  return openAwsJsonService<SqsOperations>(
    { service: 'sqs', targetPrefix: 'AmazonSQS', endpointVariable: 'AWS_ENDPOINT_URL_SQS' },
    config,
  );
}
