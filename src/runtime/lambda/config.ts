import { LOG_LEVELS, type LogThreshold } from '../../observability/log-records.ts';

/** What a Lambda function reads from its environment (set by the CDK stack). */
export interface LambdaConfig {
  readonly ledgerTable: string;
  readonly ordersTable: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly orderEventsTopicArn: string | undefined;
  /** The AppSync API the consumer pushes order and sale changes to (its GraphQL URL), if any. */
  readonly graphqlUrl?: string | undefined;
  readonly region?: string | undefined;
  readonly stockShards: number;
  readonly adminGroup: string;
  /** The queue's redrive policy: receives before SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  readonly logLevel: LogThreshold;
  /** queue: the consumer records every event; stepfunctions: one Step Functions execution per order. */
  readonly orderWorkflow: OrderWorkflowKind;
  /** The order workflow's state machine (the consumer starts executions of it); required with stepfunctions. */
  readonly stateMachineArn: string | undefined;
  /** The CloudFront KeyValueStore the edge reads sale status from (unset: no edge to tell). */
  readonly edgeStatusStoreArn?: string | undefined;
}

export type OrderWorkflowKind = 'queue' | 'stepfunctions';

export class LambdaConfigError extends Error {
  override name = 'LambdaConfigError';
}

/**
 * Read by hand rather than with zod, as the Node shapes' settings are: the
 * sweeper's bundle has no zod, which would add about 100 KiB to its cold start.
 */
export function lambdaConfigFromEnv(env: Readonly<Record<string, string | undefined>>): LambdaConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '')
      throw new LambdaConfigError(`environment variable ${name} is required`);
    return value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new LambdaConfigError(`${name} must be a whole number from ${min} to ${max}, got ${raw}`);
    }
    return value;
  };
  const workflow = orderWorkflow(env.ORDER_WORKFLOW);
  return {
    ledgerTable: required('LEDGER_TABLE'),
    ordersTable: required('ORDERS_TABLE'),
    queueUrl: required('QUEUE_URL'),
    deadLetterQueueUrl: required('DEAD_LETTER_QUEUE_URL'),
    orderEventsTopicArn: env.ORDER_EVENTS_TOPIC_ARN || undefined,
    graphqlUrl: env.GRAPHQL_URL || undefined,
    region: env.AWS_REGION || undefined,
    stockShards: integer('STOCK_SHARDS', 4, 1, 64),
    adminGroup: env.ADMIN_GROUP || 'admin',
    maxReceiveCount: integer('MAX_RECEIVE_COUNT', 5, 1, 1000),
    metricsNamespace: env.METRICS_NAMESPACE || 'FlashSale',
    serviceName: env.SERVICE_NAME || env.AWS_LAMBDA_FUNCTION_NAME || 'flashsale',
    logLevel: logLevel(env.LOG_LEVEL),
    orderWorkflow: workflow,
    stateMachineArn: workflow === 'stepfunctions' ? required('STATE_MACHINE_ARN') : undefined,
    edgeStatusStoreArn: env.EDGE_STATUS_STORE_ARN || undefined,
  };
}

function logLevel(raw: string | undefined): LogThreshold {
  if (raw === undefined || raw === '') return 'info';
  const level = LOG_LEVELS.find((known) => known === raw);
  if (level === undefined)
    throw new LambdaConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${raw}`);
  return level;
}

function orderWorkflow(raw: string | undefined): OrderWorkflowKind {
  if (raw === undefined || raw === '' || raw === 'queue') return 'queue';
  if (raw === 'stepfunctions') return 'stepfunctions';
  throw new LambdaConfigError(`ORDER_WORKFLOW must be queue or stepfunctions, got ${raw}`);
}
