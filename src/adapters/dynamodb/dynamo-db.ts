import type {
  BatchGetItemCommandInput,
  BatchGetItemCommandOutput,
  DeleteItemCommandInput,
  DeleteItemCommandOutput,
  GetItemCommandInput,
  GetItemCommandOutput,
  PutItemCommandInput,
  PutItemCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  UpdateItemCommandInput,
  UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';

import {
  type AwsClientConfig,
  type AwsJsonService,
  openAwsJsonService,
  type ServiceReply,
} from '../aws-lite/aws-json-service.ts';

/**
 * The DynamoDB operations the adapters call, with DynamoDB's JSON protocol
 * shapes (the SDK's command types describe the same wire format; only their
 * types are used here).
 */
export interface DynamoDbOperations {
  BatchGetItem: { input: BatchGetItemCommandInput; output: ServiceReply<BatchGetItemCommandOutput> };
  DeleteItem: { input: DeleteItemCommandInput; output: ServiceReply<DeleteItemCommandOutput> };
  GetItem: { input: GetItemCommandInput; output: ServiceReply<GetItemCommandOutput> };
  PutItem: { input: PutItemCommandInput; output: ServiceReply<PutItemCommandOutput> };
  Query: { input: QueryCommandInput; output: ServiceReply<QueryCommandOutput> };
  UpdateItem: { input: UpdateItemCommandInput; output: ServiceReply<UpdateItemCommandOutput> };
}

export type DynamoDbOperation = keyof DynamoDbOperations;

/** A DynamoDB connection: one call per operation, errors as `AwsServiceError`. */
export type DynamoDb = AwsJsonService<DynamoDbOperations>;

/** DynamoDB on aws-lite; errors are `AwsServiceError`s named by DynamoDB's code. */
export function openDynamoDb(config?: AwsClientConfig): DynamoDb {
  return openAwsJsonService<DynamoDbOperations>(
    {
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB',
      // A global table's write that another Region was writing at that moment: nothing applied.
      // After the last try, the ledger turns to another shard.
      retryableCodes: ['ReplicatedWriteConflictException'],
    },
    config,
  );
}
