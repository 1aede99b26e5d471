import {
  aws_dynamodb as dynamodb,
  type aws_kms as kms,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FlashSaleStack, type FlashSaleStackProps } from './flash-sale-stack.ts';
import type { RegionPlan } from './region-plan.ts';
import { dataKey, ledgerIndexes, ordersIndex, userIdentity } from './stack-resources.ts';

/** One Region's customer-managed key: its table replica, queues and topics are encrypted with it. */
export class RegionKeyStack extends Stack {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.key = dataKey(this);
  }
}

export interface GlobalDataStackProps extends StackProps {
  readonly plan: RegionPlan;
  /** Each replica Region's key (the first Region's is this stack's own Region). */
  readonly keys: Readonly<Record<string, kms.IKey>>;
}

/**
 * What exists once, in the first Region: the ledger and orders tables as
 * DynamoDB global tables with multi-Region strong consistency (a replica in
 * each Region, or two and a witness), and the Cognito user pool every
 * Region's API accepts (one shopper, one `sub`, one per-user limit).
 */
export class GlobalDataStack extends Stack {
  readonly ledgerTable: dynamodb.TableV2;
  readonly ordersTable: dynamodb.TableV2;
  readonly identity: ReturnType<typeof userIdentity>;

  constructor(scope: Construct, id: string, props: GlobalDataStackProps) {
    super(scope, id, props);
    const [primary, ...others] = props.plan.regions;
    const keyOf = (region: string) => {
      const key = props.keys[region];
      if (key === undefined) throw new Error(`no key for Region ${region}`);
      return key;
    };
    const common = {
      billing: dynamodb.Billing.onDemand(),
      // Each replica in its own Region's key: a KMS key never leaves its Region.
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(
        keyOf(primary!),
        Object.fromEntries(others.map((region) => [region, keyOf(region).keyArn])),
      ),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Conditional writes see the latest version in every Region: the stock decrement holds
      // whichever Region takes the purchase. No TTL, LSIs or transactions (MRSC has none; the
      // ledger uses none), and the tables must be empty when they become global: new tables.
      multiRegionConsistency: dynamodb.MultiRegionConsistency.STRONG,
      replicas: others.map((region) => ({ region })),
      ...(props.plan.witnessRegion === undefined ? {} : { witnessRegion: props.plan.witnessRegion }),
    };
    this.ledgerTable = new dynamodb.TableV2(this, 'Ledger', {
      ...common,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: ledgerIndexes(),
    });
    this.ordersTable = new dynamodb.TableV2(this, 'Orders', {
      ...common,
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [ordersIndex()],
    });
    this.identity = userIdentity(this);
  }
}

export interface MultiRegionProps
  extends Omit<FlashSaleStackProps, 'shared' | 'env' | 'billing' | 'crossRegionReferences'> {
  readonly stackName: string;
  readonly plan: RegionPlan;
  readonly account?: string | undefined;
}

export interface MultiRegionStacks {
  readonly keys: Readonly<Record<string, RegionKeyStack>>;
  readonly data: GlobalDataStack;
  /** The API, functions, queues and alarms of each replica Region. */
  readonly regions: Readonly<Record<string, FlashSaleStack>>;
}

/**
 * The multi-Region shape: per replica Region a key stack, then the global
 * data stack in the first Region, then per replica Region the same
 * `FlashSaleStack` as the single-Region shape, given its Region's key and
 * table replicas and the one user pool. CDK orders the deployment by the
 * references (cross-Region ones through SSM parameters it writes).
 */
export function multiRegionStacks(scope: Construct, props: MultiRegionProps): MultiRegionStacks {
  const { stackName, plan, account, ...regional } = props;
  const env = (region: string) => ({ account, region });
  const keys = Object.fromEntries(
    plan.regions.map((region) => [
      region,
      new RegionKeyStack(scope, `${stackName}-Key-${region}`, {
        env: env(region),
        crossRegionReferences: true,
        description: `flash sale: the ${region} key`,
      }),
    ]),
  );
  const primary = plan.regions[0]!;
  const data = new GlobalDataStack(scope, `${stackName}-Global`, {
    env: env(primary),
    crossRegionReferences: true,
    plan,
    keys: Object.fromEntries(Object.entries(keys).map(([region, stack]) => [region, stack.key])),
    description: `flash sale: global tables (${[...plan.regions, plan.witnessRegion].filter(Boolean).join(', ')}) and the user pool`,
  });
  const regions = Object.fromEntries(
    plan.regions.map((region) => [
      region,
      new FlashSaleStack(scope, `${stackName}-${region}`, {
        ...regional,
        env: env(region),
        crossRegionReferences: true,
        description: `flash sale: the ${region} API and functions`,
        shared: {
          key: keys[region]!.key,
          userPool: data.identity.userPool,
          client: data.identity.client,
          ledgerTable: region === primary ? data.ledgerTable : data.ledgerTable.replica(region),
          ordersTable: region === primary ? data.ordersTable : data.ordersTable.replica(region),
        },
      }),
    ]),
  );
  return { keys, data, regions };
}
