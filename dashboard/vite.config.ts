import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The operator's page, served by the server at /dashboard (npm run build:dashboard). */
export default defineConfig({
  root,
  base: '/dashboard/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One script and one stylesheet with content hashes, no inline data URLs: the page's CSP allows 'self' only.
    assetsInlineLimit: 0,
    modulePreload: false,
    target: 'es2022',
  },
});
