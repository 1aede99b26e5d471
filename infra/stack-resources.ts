import {
  aws_cognito as cognito,
  Duration,
  aws_dynamodb as dynamodb,
  aws_iam as iam,
  aws_kms as kms,
  RemovalPolicy,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LEDGER_INDEX, ORDERS_INDEX } from '../src/adapters/dynamodb/tables.ts';

export type Billing =
  | { readonly mode: 'on-demand' }
  /** The seed's provisioned capacity is 5000/5000; each index gets the same. */
  | { readonly mode: 'provisioned'; readonly readCapacity: number; readonly writeCapacity: number };

/**
 * What a `FlashSaleStack` uses but may be given instead of making it: one
 * Region's KMS key, the user pool and its client, and the two tables. The
 * single-Region stack makes them all itself (the functions below); the
 * multi-Region app (multi-region.ts) makes them once and hands them to the
 * stack of each Region.
 */
export interface SharedResources {
  readonly key: kms.IKey;
  readonly userPool: cognito.IUserPool;
  readonly client: cognito.IUserPoolClient;
  readonly ledgerTable: dynamodb.ITable;
  readonly ordersTable: dynamodb.ITable;
}

/** The customer-managed key for everything at rest in one Region (tables, queues, topics). */
export function dataKey(scope: Construct): kms.Key {
  const key = new kms.Key(scope, 'DataKey', {
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
  return key;
}

/** The Cognito user pool (shoppers and admins, by group) and the app client the API's authorizer accepts. */
export function userIdentity(scope: Construct): {
  userPool: cognito.UserPool;
  client: cognito.UserPoolClient;
} {
  const userPool = new cognito.UserPool(scope, 'Users', {
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
  new cognito.CfnUserPoolGroup(scope, 'ShoppersGroup', {
    userPoolId: userPool.userPoolId,
    groupName: 'shoppers',
    description: 'people who buy',
  });
  new cognito.CfnUserPoolGroup(scope, 'AdminGroup', {
    userPoolId: userPool.userPoolId,
    groupName: 'admin',
    description: 'create sales, audit, redrive dead letters',
  });
  return { userPool, client };
}

/** The ledger and orders tables of one Region (keys and indexes from src/adapters/dynamodb/tables.ts). */
export function regionalTables(
  scope: Construct,
  key: kms.IKey,
  billing: Billing,
): { ledgerTable: dynamodb.Table; ordersTable: dynamodb.Table } {
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
  const ledgerTable = new dynamodb.Table(scope, 'Ledger', {
    ...tableCommon,
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  });
  for (const index of ledgerIndexes()) ledgerTable.addGlobalSecondaryIndex({ ...index, ...indexCapacity });
  const ordersTable = new dynamodb.Table(scope, 'Orders', {
    ...tableCommon,
    partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
  });
  ordersTable.addGlobalSecondaryIndex({ ...ordersIndex(), ...indexCapacity });
  return { ledgerTable, ordersTable };
}

type IndexDefinition = {
  readonly indexName: string;
  readonly partitionKey: dynamodb.Attribute;
  readonly sortKey: dynamodb.Attribute;
  readonly projectionType: dynamodb.ProjectionType;
};

/** The ledger table's four indexes, as both table constructs (Table, TableV2) take them. */
export function ledgerIndexes(): IndexDefinition[] {
  const { sales, bySale, due, outbox } = LEDGER_INDEX;
  return (
    [
      [sales, dynamodb.AttributeType.NUMBER],
      [bySale, dynamodb.AttributeType.STRING],
      [due, dynamodb.AttributeType.NUMBER],
      [outbox, dynamodb.AttributeType.NUMBER],
    ] as const
  ).map(([index, sortType]) => ({
    indexName: index.name,
    partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: index.sortKey, type: sortType },
    projectionType: dynamodb.ProjectionType.ALL,
  }));
}

/** The orders table's index (keys only: the statuses are read from the orders). */
export function ordersIndex(): IndexDefinition {
  const { bySale } = ORDERS_INDEX;
  return {
    indexName: bySale.name,
    partitionKey: { name: bySale.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: bySale.sortKey, type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  };
}
