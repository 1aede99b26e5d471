import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../../../src/http/auth/local-issuer.ts';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('loadLocalIssuer', () => {
  it('gives processes that start at once on one data directory the same key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-issuer-'));
    dirs.push(dataDir);
    const module = new URL('../../../../src/http/auth/local-issuer.ts', import.meta.url).href;
    const script = `const { loadLocalIssuer } = await import(${JSON.stringify(module)});
      process.stdout.write(JSON.stringify((await loadLocalIssuer(process.argv[1])).jwks));`;
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () => run(process.execPath, ['--input-type=module', '-e', script, dataDir])),
    );
    const keys = new Set(outputs.map(({ stdout }) => stdout));
    expect(keys.size).toBe(1);
    expect(JSON.stringify((await loadLocalIssuer(dataDir)).jwks)).toBe([...keys][0]);
    // Only the key is left, readable by its owner alone.
    expect(readdirSync(dataDir)).toEqual(['signing-key.json']);
    expect(statSync(join(dataDir, 'signing-key.json')).mode & 0o777).toBe(0o600);
  });
});
