import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else found.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return found;
}

describe('the committed dashboard build', () => {
  it('is what npm run build:dashboard makes from dashboard/ now (run it and commit dashboard/dist if not)', () => {
    const out = mkdtempSync(join(tmpdir(), 'flashsale-dashboard-build-'));
    try {
      execFileSync(
        process.execPath,
        [
          join(root, 'node_modules/vite/bin/vite.js'),
          'build',
          '--config',
          'dashboard/vite.config.ts',
          '--outDir',
          out,
          '--emptyOutDir',
        ],
        { cwd: root, stdio: 'pipe' },
      );
      const fresh = files(out);
      const committed = files(join(root, 'dashboard/dist'));
      expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
      for (const [name, text] of fresh) expect([name, committed.get(name) === text]).toEqual([name, true]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
