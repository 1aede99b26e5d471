import { DashboardFeed, type SnapshotSource } from '../../dashboard/feed.ts';
import { loadStaticAssets } from '../../dashboard/static-assets.ts';
import type { DashboardPage } from '../../http/dashboard-routes.ts';
import type { Logger } from '../../ports/logger.ts';

/** The page (built files, read once) and a feed over `source`, for one thread's HTTP app. */
export function createDashboardPage(source: SnapshotSource, logger: Logger): DashboardPage {
  return {
    assets: loadStaticAssets(),
    feed: new DashboardFeed(source, {
      onError: (error) => logger.log('error', 'dashboard snapshot failed', { error }),
    }),
  };
}
