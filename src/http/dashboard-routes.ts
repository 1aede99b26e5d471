import type { DashboardFeed } from '../dashboard/feed.ts';
import type { StaticAsset } from '../dashboard/static-assets.ts';
import type { Route } from './route.ts';

export interface DashboardPage {
  /** The built page by path under /dashboard/ (index.html, assets/…). */
  readonly assets: ReadonlyMap<string, StaticAsset>;
  readonly feed: DashboardFeed;
}

export const DASHBOARD_STREAM_PATH = '/v1/admin/dashboard/stream';

/** Served to the page: scripts, styles and data from this origin only; uPlot sets inline styles. */
const PAGE_SECURITY = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * The operator's page and its live feed. The page is public (it holds no
 * data); the stream is admin-only, read by the page with fetch() and an
 * Authorization header, so the token never travels in a URL. Each file of
 * the build is a route of its own: a path that is not one of them is a 404
 * from the router, never a file-system lookup.
 */
export function dashboardRoutes(page: DashboardPage): Route[] {
  const fileRoutes = [...page.assets].map(
    ([name, asset]): Route => ({
      method: 'GET',
      path: name === 'index.html' ? '/dashboard' : `/dashboard/${name}`,
      access: 'public',
      summary: name === 'index.html' ? 'The operator dashboard' : `Dashboard file ${name}`,
      responses: [{ status: 200, description: 'the file' }],
      hidden: name !== 'index.html',
      handle: async () => ({
        status: 200,
        body: asset.body,
        contentType: asset.contentType,
        headers: { ...PAGE_SECURITY, 'cache-control': asset.cacheControl },
      }),
    }),
  );
  return [
    ...fileRoutes,
    {
      method: 'GET',
      path: '/',
      access: 'public',
      summary: 'Redirects to the dashboard',
      responses: [{ status: 302, description: 'to /dashboard' }],
      hidden: true,
      handle: async () => ({
        status: 302,
        body: '',
        contentType: 'text/plain',
        headers: { location: '/dashboard' },
      }),
    },
    {
      method: 'GET',
      path: DASHBOARD_STREAM_PATH,
      access: 'admin',
      summary: 'Server-Sent Events: a snapshot of sales, purchases, orders and queue every second',
      responses: [
        { status: 200, description: 'text/event-stream of `snapshot` events (JSON DashboardSnapshot)' },
        { status: 401, description: 'no valid token' },
        { status: 403, description: 'not an admin' },
      ],
      handle: async () => ({
        status: 200,
        body: '',
        contentType: 'text/event-stream; charset=utf-8',
        headers: { 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
        stream: {
          open: (write, end) =>
            page.feed.subscribe({
              send: (snapshot) => write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`),
              end,
            }),
        },
      }),
    },
  ];
}
