import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { AppSyncPublisher } from '../../adapters/appsync/appsync-publisher.ts';
import type { OrderNotifier } from '../../ports/order-notifier.ts';
import type { LambdaConfig } from './config.ts';

/** The AppSync publisher when the stack gave this function an API (GRAPHQL_URL), with its role's credentials. */
export function graphqlPublisher(config: LambdaConfig): AppSyncPublisher | undefined {
  if (config.graphqlUrl === undefined) return undefined;
  return new AppSyncPublisher({
    url: config.graphqlUrl,
    region: config.region ?? 'us-east-1',
    credentials: lazyCredentials(),
  });
}

/** The function's role credentials, from the environment Lambda sets (loaded on first use). */
function lazyCredentials() {
  let provider: Promise<() => Promise<AwsCredentialIdentity>> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) => defaultProvider());
    return (await provider)();
  };
}

/** Tells both (SNS subscribers and AppSync's), where both are set. */
export function bothNotifiers(
  a: OrderNotifier | undefined,
  b: OrderNotifier | undefined,
): OrderNotifier | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return {
    orderChanged: async (change) =>
      void (await Promise.all([a.orderChanged(change), b.orderChanged(change)])),
  };
}
