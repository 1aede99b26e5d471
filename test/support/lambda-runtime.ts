import { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../../src/ports/clock.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { type ComposeOptions, composeLambda, type LambdaRuntime } from '../../src/runtime/lambda/compose.ts';
import type { LambdaConfig } from '../../src/runtime/lambda/config.ts';
import { type AwsResources, LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAws } from './local-aws.ts';

export function lambdaConfigFor(resources: AwsResources, extra: Partial<LambdaConfig> = {}): LambdaConfig {
  return {
    ledgerTable: resources.ledgerTable,
    ordersTable: resources.ordersTable,
    queueUrl: resources.queueUrl,
    deadLetterQueueUrl: resources.deadLetterQueueUrl,
    orderEventsTopicArn: resources.topicArn,
    stockShards: 4,
    adminGroup: 'admin',
    maxReceiveCount: 3,
    metricsNamespace: 'FlashSaleTest',
    serviceName: 'test',
    logLevel: 'info',
    orderWorkflow: 'queue',
    stateMachineArn: undefined,
    ...extra,
  };
}

/** A function's execution environment (clients, app) against dynalite and fauxqs; metrics lines kept. */
export function lambdaRuntime(
  aws: LocalAws,
  resources: AwsResources,
  options: {
    config?: Partial<LambdaConfig>;
    clock?: Clock;
    /** A Step Functions endpoint (the local stand-in), for orders on Step Functions. */
    sfnEndpoint?: string;
  } & Pick<ComposeOptions, 'random' | 'logger'> = {},
): LambdaRuntime & { readonly metricLines: string[] } {
  const metricLines: string[] = [];
  const runtime = composeLambda(lambdaConfigFor(resources, options.config), {
    clients: {
      ...aws.backendOptions(resources).clients,
      ...(options.sfnEndpoint === undefined
        ? {}
        : { sfn: { endpoint: options.sfnEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } }),
    },
    logger: options.logger ?? silentLogger,
    writeMetrics: (line) => metricLines.push(...line.trim().split('\n')),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  return { ...runtime, metricLines };
}

export function localSqs(aws: LocalAws): SQSClient {
  return new SQSClient({
    endpoint: aws.fauxqs.address,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}
