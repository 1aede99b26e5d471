import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../bench/stampede.ts', import.meta.url));

describe('npm run bench: a crowd that could not empty the sale', () => {
  it('is refused before anything runs, with what to change', () => {
    // 1,000 shoppers with a limit of 4 can hold 4,000 units: a 5,000-unit sale would never sell out.
    const run = spawnSync(
      process.execPath,
      [script, '--stock', '5000', '--users', '1000', '--limit', '4', '--skip-baseline'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('1,000 users × limit 4 can hold 4,000 units, fewer than the stock of 5,000');
    expect(run.stderr).toContain('raise --users or --limit, or lower --stock');
    expect(run.stderr).not.toContain('minting');
  });
});
