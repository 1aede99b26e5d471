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

type Reply<Output> = Omit<Output, '$metadata'>;

/**
 * The DynamoDB operations the adapters call, with DynamoDB's JSON protocol
 * shapes (the SDK's command types describe the same wire format; only their
 * types are used here).
 */
export interface DynamoDbOperations {
  BatchGetItem: { input: BatchGetItemCommandInput; output: Reply<BatchGetItemCommandOutput> };
  DeleteItem: { input: DeleteItemCommandInput; output: Reply<DeleteItemCommandOutput> };
  GetItem: { input: GetItemCommandInput; output: Reply<GetItemCommandOutput> };
  PutItem: { input: PutItemCommandInput; output: Reply<PutItemCommandOutput> };
  Query: { input: QueryCommandInput; output: Reply<QueryCommandOutput> };
  UpdateItem: { input: UpdateItemCommandInput; output: Reply<UpdateItemCommandOutput> };
}

export type DynamoDbOperation = keyof DynamoDbOperations;

/** A DynamoDB connection: one call per operation, errors as `DynamoDbError`. */
export interface DynamoDb {
  send<Op extends DynamoDbOperation>(
    operation: Op,
    input: DynamoDbOperations[Op]['input'],
  ): Promise<DynamoDbOperations[Op]['output']>;
}

/** Where and as whom to call DynamoDB; unset fields come from the environment (AWS_REGION, AWS_ACCESS_KEY_ID…). */
export interface DynamoDbConfig {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/**
 * A failed DynamoDB call. `name` is DynamoDB's error code without its
 * namespace (`ConditionalCheckFailedException`), or `NetworkingError` when
 * no answer came; `statusCode` is the HTTP status DynamoDB answered, if it did.
 */
export class DynamoDbError extends Error {
  override readonly name: string;
  readonly statusCode: number | undefined;

  constructor(name: string, message: string, statusCode: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
    this.statusCode = statusCode;
  }
}
