import { describe } from 'vitest';
import { openTestClusterBackend, sharedServicesAvailable } from '../support/cluster-services.ts';
import { describeBackendConformance } from './backend-suite.ts';

const available = await sharedServicesAvailable();

describe.skipIf(!available)('cluster shape (shared Redis and PostgreSQL)', () => {
  describeBackendConformance('cluster (Redis + PostgreSQL, one stock shard)', () =>
    openTestClusterBackend({ stockShards: 1 }),
  );
  describeBackendConformance('cluster (Redis + PostgreSQL, stock over 4 shards)', () =>
    openTestClusterBackend({ stockShards: 4 }),
  );
});
