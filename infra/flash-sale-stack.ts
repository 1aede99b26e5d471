import { join } from 'node:path';
import {
  aws_apigatewayv2 as apigw,
  aws_apigatewayv2_authorizers as authorizers,
  CfnOutput,
  aws_cloudwatch as cloudwatch,
  aws_cognito as cognito,
  aws_cloudwatch_actions as cwActions,
  Duration,
  aws_dynamodb as dynamodb,
  aws_ec2 as ec2,
  aws_events as events,
  aws_iam as iam,
  aws_apigatewayv2_integrations as integrations,
  aws_kms as kms,
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
import { GraphqlApi } from './graphql-api.ts';
import { apiRouteTable } from './route-table.ts';

export type Billing =
  | { readonly mode: 'on-demand' }
  /** The seed's provisioned capacity is 5000/5000; each index gets the same. */
  | { readonly mode: 'provisioned'; readonly readCapacity: number; readonly writeCapacity: number };

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
  };
  /** Receives before SQS moves an order event to the dead-letter queue. */
  readonly maxReceiveCount?: number;
  /** Stock shards of a new sale: each DynamoDB item takes ~1,000 writes/s. */
  readonly stockShards?: number;
  /** Put the functions in a VPC without internet access, with endpoints for DynamoDB, SQS and SNS. */
  readonly vpc?: boolean;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** API Gateway throttling on the default stage (requests/s and burst). */
  readonly apiThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * API Gateway throttling of the purchase route alone (for all callers
   * together: HTTP APIs have no per-client limits), so a stampede leaves the
   * stage's other routes room. Default 5,000/s, burst 2,500.
   */
  readonly purchaseThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** The route API Gateway throttles on its own (see `purchaseThrottle`). */
export const PURCHASE_ROUTE_KEY = 'POST /v1/sales/{id}/purchase';

const FUNCTIONS = {
  api: { memorySize: 1024, timeout: Duration.seconds(10) },
  consumer: { memorySize: 512, timeout: Duration.seconds(30) },
  sweeper: { memorySize: 512, timeout: Duration.seconds(60) },
  graphql: { memorySize: 1024, timeout: Duration.seconds(10) },
} as const;

type FunctionName = keyof typeof FUNCTIONS;

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
  readonly ledgerTable: dynamodb.Table;
  readonly ordersTable: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly orderEvents: sns.Topic;
  readonly alarmTopic: sns.Topic;
  readonly graphqlApi: GraphqlApi;
  readonly functions: Record<FunctionName, lambda.Function>;
  readonly aliases: Record<FunctionName, lambda.Alias>;

  constructor(scope: Construct, id: string, props: FlashSaleStackProps) {
    super(scope, id, props);
    const billing = props.billing ?? { mode: 'on-demand' };
    const maxReceiveCount = props.maxReceiveCount ?? 5;

    const key = new kms.Key(this, 'DataKey', {
      description: 'flash sale: tables, queues and topics at rest',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted alarm topic.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );

    // ---- identity ----
    const userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: { minLength: 12 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const client = userPool.addClient('WebClient', {
      // SRP for apps; admin password auth (IAM credentials required) for operators and scripts.
      authFlows: { userSrp: true, adminUserPassword: true },
      generateSecret: false,
      accessTokenValidity: Duration.hours(1),
    });
    new cognito.CfnUserPoolGroup(this, 'ShoppersGroup', {
      userPoolId: userPool.userPoolId,
      groupName: 'shoppers',
      description: 'people who buy',
    });
    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: userPool.userPoolId,
      groupName: 'admin',
      description: 'create sales, audit, redrive dead letters',
    });

    // ---- data ----
    const tableBilling =
      billing.mode === 'on-demand'
        ? { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }
        : {
            billingMode: dynamodb.BillingMode.PROVISIONED,
            readCapacity: billing.readCapacity,
            writeCapacity: billing.writeCapacity,
          };
    const indexCapacity =
      billing.mode === 'on-demand'
        ? {}
        : { readCapacity: billing.readCapacity, writeCapacity: billing.writeCapacity };
    const tableCommon = {
      ...tableBilling,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.ledgerTable = new dynamodb.Table(this, 'Ledger', {
      ...tableCommon,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const { sales, bySale, due, outbox } = LEDGER_INDEX;
    for (const [index, sortType] of [
      [sales, dynamodb.AttributeType.NUMBER],
      [bySale, dynamodb.AttributeType.STRING],
      [due, dynamodb.AttributeType.NUMBER],
      [outbox, dynamodb.AttributeType.NUMBER],
    ] as const) {
      this.ledgerTable.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: sortType },
        projectionType: dynamodb.ProjectionType.ALL,
        ...indexCapacity,
      });
    }
    this.ordersTable = new dynamodb.Table(this, 'Orders', {
      ...tableCommon,
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
    });
    this.ordersTable.addGlobalSecondaryIndex({
      indexName: ORDERS_INDEX.bySale.name,
      partitionKey: { name: ORDERS_INDEX.bySale.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: ORDERS_INDEX.bySale.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      ...indexCapacity,
    });

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
    };
    const runtime = lambda.Runtime.NODEJS_24_X;
    const make = (name: FunctionName, extraEnv: Record<string, string> = {}) => {
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
    const indexArn = (table: dynamodb.Table, name: string) => `${table.tableArn}/index/${name}`;
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
    new apigw.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration,
    });
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
    new cloudwatch.Dashboard(this, 'Dashboard', {
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

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'GraphqlUrl', { value: this.graphqlApi.api.graphqlUrl });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'LedgerTableName', { value: this.ledgerTable.tableName });
    new CfnOutput(this, 'OrdersTableName', { value: this.ordersTable.tableName });
    new CfnOutput(this, 'OrderEventsTopicArn', { value: this.orderEvents.topicArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
  }
}

function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
