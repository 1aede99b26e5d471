import { join } from 'node:path';
import {
  aws_apigatewayv2 as apigw,
  aws_apigatewayv2_authorizers as authorizers,
  CfnOutput,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  Duration,
  aws_dynamodb as dynamodb,
  aws_ec2 as ec2,
  aws_events as events,
  aws_iam as iam,
  aws_apigatewayv2_integrations as integrations,
  type aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_sns as sns,
  aws_lambda_event_sources as sources,
  aws_sqs as sqs,
  aws_sns_subscriptions as subscriptions,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LEDGER_INDEX, ORDERS_INDEX } from '../src/adapters/dynamodb/tables.ts';
import { EdgeFilter } from './edge-filter.ts';
import { GraphqlApi } from './graphql-api.ts';
import { OrderWorkflow, stateMachineArnOf } from './order-workflow.ts';
import { apiRouteTable } from './route-table.ts';
import {
  type Billing,
  dataKey,
  regionalTables,
  type SharedResources,
  userIdentity,
} from './stack-resources.ts';

export type { Billing } from './stack-resources.ts';

export interface FlashSaleStackProps extends StackProps {
  /** Where `npm run build:lambda` wrote the bundles (one directory per function). */
  readonly lambdaCodeDir: string;
  readonly billing?: Billing;
  /** Provisioned concurrency on the API function's alias (0: none). */
  readonly apiProvisionedConcurrency?: number;
  /** Reserved concurrency per function (undefined: the account's pool). */
  readonly reservedConcurrency?: {
    readonly api?: number;
    readonly consumer?: number;
    readonly sweeper?: number;
    readonly graphql?: number;
    readonly workflow?: number;
  };
  /** Receives before SQS moves an order event to the dead-letter queue. */
  readonly maxReceiveCount?: number;
  /** Stock shards of a new sale: each DynamoDB item takes ~1,000 writes/s. */
  readonly stockShards?: number;
  /** Put the functions in a VPC without internet access, with endpoints for DynamoDB, SQS and SNS. */
  readonly vpc?: boolean;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** The key, user pool and tables to use instead of making them (the multi-Region app). */
  readonly shared?: SharedResources;
  /** API Gateway throttling on the default stage (requests/s and burst). */
  readonly apiThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * API Gateway throttling of the purchase route alone (for all callers
   * together: HTTP APIs have no per-client limits), so a stampede leaves the
   * stage's other routes room. Default 5,000/s, burst 2,500.
   */
  readonly purchaseThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * queue (default): the consumer records every order event, the sweeper
   * expires unpaid reservations. stepfunctions: one Step Functions execution
   * per order (infra/order-workflow.ts), started by the consumer.
   */
  readonly orderWorkflow?: 'queue' | 'stepfunctions';
}

/** The route API Gateway throttles on its own (see `purchaseThrottle`). */
export const PURCHASE_ROUTE_KEY = 'POST /v1/sales/{id}/purchase';

const FUNCTIONS = {
  api: { memorySize: 1024, timeout: Duration.seconds(10) },
  consumer: { memorySize: 512, timeout: Duration.seconds(30) },
  sweeper: { memorySize: 512, timeout: Duration.seconds(60) },
  graphql: { memorySize: 1024, timeout: Duration.seconds(10) },
  workflow: { memorySize: 512, timeout: Duration.seconds(30) },
} as const;

/** The functions every stack has (the workflow function only with `orderWorkflow: 'stepfunctions'`). */
type FunctionName = Exclude<keyof typeof FUNCTIONS, 'workflow'>;

/**
 * The AWS serverless shape: HTTP API (Cognito JWT authorizer) -> API Lambda
 * -> DynamoDB ledger; reservation events -> SQS (+ DLQ) -> consumer Lambda
 * -> DynamoDB orders -> SNS order events; an EventBridge rule runs the
 * sweeper (expiry, outbox) every minute. Everything at rest is encrypted with
 * one customer-managed KMS key; every function gets exactly the actions it
 * uses on exactly its resources.
 */
export class FlashSaleStack extends Stack {
  readonly api: apigw.HttpApi;
  readonly ledgerTable: dynamodb.ITable;
  readonly ordersTable: dynamodb.ITable;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly orderEvents: sns.Topic;
  readonly alarmTopic: sns.Topic;
  readonly graphqlApi: GraphqlApi;
  readonly functions: Record<FunctionName, lambda.Function>;
  readonly aliases: Record<FunctionName, lambda.Alias>;
  /** Present with `orderWorkflow: 'stepfunctions'`. */
  readonly orderWorkflow: OrderWorkflow | undefined;
  /** CloudFront in front of the API (none when the functions run in a VPC). */
  readonly edge: EdgeFilter | undefined;

  constructor(scope: Construct, id: string, props: FlashSaleStackProps) {
    super(scope, id, props);
    const billing = props.billing ?? { mode: 'on-demand' };
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const onStepFunctions = props.orderWorkflow === 'stepfunctions';
    const stateMachineName = `${this.stackName}-order-workflow`;

    // The key, the user pool and the tables: made here, or given (one set per Region, multi-region.ts).
    const key = props.shared?.key ?? dataKey(this);
    const { userPool, client } = props.shared ?? userIdentity(this);
    const tables = props.shared ?? regionalTables(this, key, billing);
    this.ledgerTable = tables.ledgerTable;
    this.ordersTable = tables.ordersTable;

    // ---- messaging ----
    this.deadLetterQueue = new sqs.Queue(this, 'OrderEventsDlq', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'OrderEventsQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      // AWS's advice: six times the consumer's timeout, so a slow batch is not delivered twice meanwhile.
      visibilityTimeout: Duration.seconds(FUNCTIONS.consumer.timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    this.orderEvents = new sns.Topic(this, 'OrderEventsTopic', {
      displayName: 'flash sale order events (confirmed, paid, expired, cancelled)',
      masterKey: key,
      enforceSSL: true,
    });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'flash sale alarms', masterKey: key });
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    // ---- network (optional) ----
    let network: Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets'> = {};
    if (props.vpc === true) {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [
          { name: 'functions', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        ],
        gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
      });
      // SQS and SNS have no gateway endpoints: interface endpoints, reached over private DNS.
      vpc.addInterfaceEndpoint('Sqs', { service: ec2.InterfaceVpcEndpointAwsService.SQS });
      vpc.addInterfaceEndpoint('Sns', { service: ec2.InterfaceVpcEndpointAwsService.SNS });
      network = { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } };
    }

    // ---- functions ----
    const environment = {
      LEDGER_TABLE: this.ledgerTable.tableName,
      ORDERS_TABLE: this.ordersTable.tableName,
      QUEUE_URL: this.queue.queueUrl,
      DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
      STOCK_SHARDS: String(props.stockShards ?? 4),
      MAX_RECEIVE_COUNT: String(maxReceiveCount),
      ADMIN_GROUP: 'admin',
      METRICS_NAMESPACE: 'FlashSale',
      ...(onStepFunctions
        ? {
            ORDER_WORKFLOW: 'stepfunctions',
            // From the name, not the machine: the machine refers to the workflow function.
            STATE_MACHINE_ARN: stateMachineArnOf(this, stateMachineName),
          }
        : {}),
    };
    const runtime = lambda.Runtime.NODEJS_24_X;
    const make = (name: keyof typeof FUNCTIONS, extraEnv: Record<string, string> = {}) => {
      const logGroup = new logs.LogGroup(this, `${title(name)}Logs`, {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const fn = new lambda.Function(this, `${title(name)}Function`, {
        runtime,
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(join(props.lambdaCodeDir, name)),
        memorySize: FUNCTIONS[name].memorySize,
        timeout: FUNCTIONS[name].timeout,
        environment: { ...environment, SERVICE_NAME: name, ...extraEnv },
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        ...(props.reservedConcurrency?.[name] === undefined
          ? {}
          : { reservedConcurrentExecutions: props.reservedConcurrency[name] }),
        ...network,
      });
      const alias = new lambda.Alias(this, `${title(name)}Live`, {
        aliasName: 'live',
        version: fn.currentVersion,
        ...(name === 'api' && (props.apiProvisionedConcurrency ?? 0) > 0
          ? { provisionedConcurrentExecutions: props.apiProvisionedConcurrency }
          : {}),
      });
      return { fn, alias };
    };
    const api = make('api');
    const consumer = make('consumer', { ORDER_EVENTS_TOPIC_ARN: this.orderEvents.topicArn });
    const sweeper = make('sweeper');
    const graphql = make('graphql');
    this.functions = { api: api.fn, consumer: consumer.fn, sweeper: sweeper.fn, graphql: graphql.fn };
    this.aliases = {
      api: api.alias,
      consumer: consumer.alias,
      sweeper: sweeper.alias,
      graphql: graphql.alias,
    };

    // ---- permissions: the actions each function calls, on its resources, nothing more ----
    const indexArn = (table: dynamodb.ITable, name: string) => `${table.tableArn}/index/${name}`;
    const ledger = [
      this.ledgerTable.tableArn,
      ...Object.values(LEDGER_INDEX).map((i) => indexArn(this.ledgerTable, i.name)),
    ];
    const orders = [this.ordersTable.tableArn, indexArn(this.ordersTable, ORDERS_INDEX.bySale.name)];
    const allow = (fn: lambda.Function, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    const useKey = ['kms:Decrypt', 'kms:GenerateDataKey'];
    allow(
      api.fn,
      [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      ledger,
    );
    allow(api.fn, ['dynamodb:GetItem', 'dynamodb:Query'], orders);
    allow(api.fn, ['sqs:SendMessage', 'sqs:GetQueueAttributes'], [this.queue.queueArn]);
    allow(
      api.fn,
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      [this.deadLetterQueue.queueArn],
    );
    allow(api.fn, useKey, [key.keyArn]);

    // The GraphQL resolvers run the API's use cases: the same table actions, without the dead letters.
    allow(
      graphql.fn,
      [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      ledger,
    );
    allow(graphql.fn, ['dynamodb:GetItem', 'dynamodb:Query'], orders);
    allow(graphql.fn, ['sqs:SendMessage', 'sqs:GetQueueAttributes'], [this.queue.queueArn]);
    allow(graphql.fn, useKey, [key.keyArn]);

    allow(
      consumer.fn,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [this.ordersTable.tableArn],
    );
    allow(consumer.fn, ['sqs:ChangeMessageVisibility'], [this.queue.queueArn]);
    allow(consumer.fn, ['sns:Publish'], [this.orderEvents.topicArn]);
    allow(consumer.fn, useKey, [key.keyArn]);
    consumer.alias.addEventSource(
      new sources.SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: 50,
      }),
    );

    allow(sweeper.fn, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], ledger);
    allow(sweeper.fn, ['sqs:SendMessage'], [this.queue.queueArn]);
    allow(sweeper.fn, useKey, [key.keyArn]);
    new events.Rule(this, 'SweepSchedule', {
      description: 'release expired reservations, resend unsent order events',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(sweeper.alias, { retryAttempts: 0 })],
    });

    // ---- GraphQL API (AppSync): the same schema file and use cases; the consumer pushes changes ----
    this.graphqlApi = new GraphqlApi(this, 'Graphql', { userPool, resolver: graphql.alias });
    this.graphqlApi.grantPublish(consumer.fn);
    consumer.fn.addEnvironment('GRAPHQL_URL', this.graphqlApi.api.graphqlUrl);
    // Sale statuses are read after each batch (GetItem on the sale, Query of its shards).
    allow(consumer.fn, ['dynamodb:GetItem', 'dynamodb:Query'], ledger);

    // ---- HTTP API: the app's own route table, public routes open, the others behind Cognito ----
    const authorizer = new authorizers.HttpUserPoolAuthorizer('Cognito', userPool, {
      userPoolClients: [client],
      // The issuer is in the pool's Region: in the multi-Region shape one pool serves every Region.
      userPoolRegion: Stack.of(userPool).region,
      identitySource: ['$request.header.Authorization'],
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'flash sale API v1',
      createDefaultStage: false,
    });
    const stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.apiThrottle ?? { rateLimit: 10_000, burstLimit: 5_000 },
    });
    const purchaseThrottle = props.purchaseThrottle ?? { rateLimit: 5_000, burstLimit: 2_500 };
    (stage.node.defaultChild as apigw.CfnStage).routeSettings = {
      [PURCHASE_ROUTE_KEY]: {
        ThrottlingRateLimit: purchaseThrottle.rateLimit,
        ThrottlingBurstLimit: purchaseThrottle.burstLimit,
      },
    };
    const integration = new integrations.HttpLambdaIntegration('ApiIntegration', api.alias, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    // Anything else (unknown paths, other methods, HEAD) reaches the app without an authorizer, so it
    // answers 404 / 405 with its own error shape, and 401 for a protected path, as on Node.
    const defaultRoute = new apigw.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration,
    });
    // The alias's ARN spelled as the function's ARN and qualifier (the same ARN): `sam local start-api`
    // finds a route's function only in a Lambda ARN, and a Ref to the alias resolves to none there.
    const cfnIntegration = defaultRoute.node.findChild('ApiIntegration').node
      .defaultChild as apigw.CfnIntegration;
    cfnIntegration.integrationUri = `${api.fn.functionArn}:${api.alias.aliasName}`;
    cfnIntegration.node.addDependency(api.alias);
    for (const route of apiRouteTable()) {
      const added = this.api.addRoutes({
        path: route.path,
        methods: [route.method === 'GET' ? apigw.HttpMethod.GET : apigw.HttpMethod.POST],
        integration,
        ...(route.access === 'public' ? {} : { authorizer }),
      });
      // A stage's route settings name a route that must exist first.
      if (`${route.method} ${route.path}` === PURCHASE_ROUTE_KEY) stage.node.addDependency(...added);
    }

    // ---- edge: CloudFront refuses early and sold-out purchases from the status the functions publish ----
    // Not beside a VPC: isolated subnets have no route to the KeyValueStore API the functions write to.
    this.edge =
      props.vpc === true
        ? undefined
        : new EdgeFilter(this, 'Edge', { api: this.api, publishers: [api.fn, sweeper.fn, graphql.fn] });

    // ---- alarms and dashboard ----
    const notify = new cwActions.SnsAction(this.alarmTopic);
    const alarm = (id: string, props: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric }) => {
      const created = new cloudwatch.Alarm(this, id, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...props,
      });
      created.addAlarmAction(notify);
      return created;
    };
    this.orderWorkflow = onStepFunctions
      ? this.#orderWorkflow({ make, allow, ledger, key, stateMachineName, api, consumer, graphql, alarm })
      : undefined;
    // The seed's alarm: more than 50 server errors in one minute. HTTP APIs name the metric `5xx`
    // (REST APIs: `5XXError`).
    alarm('Api5xxAlarm', {
      alarmDescription: 'API 5XX errors: Sum > 50 over 60 s',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5xx',
        dimensionsMap: { ApiId: this.api.apiId },
        statistic: 'Sum',
        period: Duration.seconds(60),
      }),
      threshold: 50,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    for (const [name, fn] of Object.entries(this.functions)) {
      alarm(`${title(name)}ErrorsAlarm`, {
        alarmDescription: `${name} function errors`,
        metric: fn.metricErrors({ period: Duration.seconds(60), statistic: 'Sum' }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
      alarm(`${title(name)}ThrottlesAlarm`, {
        alarmDescription: `${name} function throttled`,
        metric: fn.metricThrottles({ period: Duration.seconds(60), statistic: 'Sum' }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    for (const [name, table] of [
      ['Ledger', this.ledgerTable],
      ['Orders', this.ordersTable],
    ] as const) {
      alarm(`${name}ThrottledRequestsAlarm`, {
        alarmDescription: `${name} table throttled requests`,
        metric: table.metricThrottledRequestsForOperations({
          operations: [
            dynamodb.Operation.GET_ITEM,
            dynamodb.Operation.BATCH_GET_ITEM,
            dynamodb.Operation.QUERY,
            dynamodb.Operation.PUT_ITEM,
            dynamodb.Operation.UPDATE_ITEM,
            dynamodb.Operation.DELETE_ITEM,
          ],
          period: Duration.seconds(60),
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    alarm('DeadLetterQueueAlarm', {
      alarmDescription: 'order events in the dead-letter queue: redrive them (docs/deploy-aws.md)',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.seconds(60),
        statistic: 'Maximum',
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });

    const purchases = (outcome: string) =>
      new cloudwatch.Metric({
        namespace: 'FlashSale',
        metricName: 'Purchases',
        dimensionsMap: { Service: 'api', Outcome: outcome },
        statistic: 'Sum',
        period: Duration.seconds(60),
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-flash-sale`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Purchases by outcome',
            left: ['reserved', 'sold_out', 'limit_exceeded', 'insufficient_stock'].map(purchases),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'API requests and 5xx',
            left: [this.api.metricCount({ period: Duration.seconds(60) }), this.api.metricServerError()],
            right: [this.api.metricLatency({ statistic: 'p99' })],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Lambda duration p99',
            left: Object.values(this.functions).map((fn) => fn.metricDuration({ statistic: 'p99' })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Lambda errors and throttles',
            left: Object.values(this.functions).flatMap((fn) => [fn.metricErrors(), fn.metricThrottles()]),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Order queue and DLQ',
            left: [
              this.queue.metricApproximateNumberOfMessagesVisible(),
              this.queue.metricApproximateAgeOfOldestMessage(),
              this.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
            ],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'DynamoDB consumed writes',
            left: [
              this.ledgerTable.metricConsumedWriteCapacityUnits(),
              this.ordersTable.metricConsumedWriteCapacityUnits(),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Order events by result',
            left: ['processed', 'retried', 'dead_lettered'].map(
              (result) =>
                new cloudwatch.Metric({
                  namespace: 'FlashSale',
                  metricName: 'OrderEvents',
                  dimensionsMap: { Service: 'consumer', Result: result },
                  statistic: 'Sum',
                }),
            ),
            width: 12,
          }),
        ],
      ],
    });

    if (this.orderWorkflow !== undefined) dashboard.addWidgets(...this.orderWorkflow.dashboardWidgets());

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'GraphqlUrl', { value: this.graphqlApi.api.graphqlUrl });
    if (this.edge !== undefined) {
      new CfnOutput(this, 'EdgeUrl', { value: `https://${this.edge.distribution.distributionDomainName}` });
    }
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'LedgerTableName', { value: this.ledgerTable.tableName });
    new CfnOutput(this, 'OrdersTableName', { value: this.ordersTable.tableName });
    new CfnOutput(this, 'OrderEventsTopicArn', { value: this.orderEvents.topicArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }

  /** The Step Functions order workflow: its function, state machine and the grants of the others. */
  #orderWorkflow(parts: {
    make: (name: 'workflow', extraEnv: Record<string, string>) => Made;
    allow: (fn: lambda.Function, actions: string[], resources: string[]) => void;
    ledger: string[];
    key: kms.IKey;
    stateMachineName: string;
    api: Made;
    consumer: Made;
    graphql: Made;
    alarm: (id: string, props: cloudwatch.AlarmProps) => cloudwatch.Alarm;
  }): OrderWorkflow {
    const { make, allow, key } = parts;
    const step = make('workflow', { ORDER_EVENTS_TOPIC_ARN: this.orderEvents.topicArn });
    const workflow = new OrderWorkflow(this, 'OrderWorkflow', {
      stepFunction: step.alias,
      stateMachineName: parts.stateMachineName,
      key,
      alarm: (id, props) => parts.alarm(`OrderWorkflow${id}`, props),
    });
    // The steps read reservations, release expired ones (which queues their event), record orders
    // (and the wait's task token) and publish order events.
    allow(step.fn, ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], parts.ledger);
    allow(
      step.fn,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [this.ordersTable.tableArn],
    );
    allow(step.fn, ['sqs:SendMessage'], [this.queue.queueArn]);
    allow(step.fn, ['sns:Publish'], [this.orderEvents.topicArn]);
    allow(step.fn, ['kms:Decrypt', 'kms:GenerateDataKey'], [key.keyArn]);
    // A wait whose payment came first ends itself; pay and cancel end the others.
    workflow.grantTaskResponse(step.fn);
    workflow.grantTaskResponse(parts.api.fn);
    workflow.grantTaskResponse(parts.graphql.fn);
    // The steps record the orders' changes: they push them to AppSync's subscribers too.
    this.graphqlApi.grantPublish(step.fn);
    step.fn.addEnvironment('GRAPHQL_URL', this.graphqlApi.api.graphqlUrl);
    workflow.grantStart(parts.consumer.fn);
    parts.alarm('WorkflowErrorsAlarm', {
      alarmDescription: 'workflow function errors',
      metric: step.fn.metricErrors({ period: Duration.seconds(60), statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    return workflow;
  }
}

type Made = { readonly fn: lambda.Function; readonly alias: lambda.Alias };

function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
