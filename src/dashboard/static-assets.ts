import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  readonly body: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

/** The built page, committed to the repository (npm run build:dashboard makes it again). */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Reads every file of the built page once, at start, keyed by its path
 * under /dashboard/. The routes serve exactly these keys, so no request path
 * ever reaches the file system: there is nothing to traverse. Files under
 * assets/ carry a content hash in their names (Vite) and are cached for a
 * year; index.html is checked again on every load.
 */
export function loadStaticAssets(dir: string = DASHBOARD_DIST): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const file of listFiles(dir)) {
    const name = relative(dir, file).split(sep).join('/');
    const contentType = CONTENT_TYPES[extname(file)];
    if (contentType === undefined) {
      throw new Error(
        `dashboard build: ${name} has no known text content type (${Object.keys(CONTENT_TYPES)})`,
      );
    }
    assets.set(name, {
      body: readFileSync(file, 'utf8'),
      contentType,
      cacheControl: name.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  if (!assets.has('index.html')) {
    throw new Error(`dashboard build: no index.html in ${dir}; run npm run build:dashboard`);
  }
  return assets;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}
