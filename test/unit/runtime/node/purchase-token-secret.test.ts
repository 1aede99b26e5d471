import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPurchaseTokenSecret } from '../../../../src/runtime/node/purchase-token-secret.ts';

describe('the purchase-token secret in the data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once, kept private, and read back after', () => {
    const first = loadPurchaseTokenSecret(join(dir, 'a'));
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadPurchaseTokenSecret(join(dir, 'a'))).toBe(first);
    expect(statSync(join(dir, 'a', 'purchase-token.secret')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'a'))).toEqual(['purchase-token.secret']);
    expect(loadPurchaseTokenSecret(join(dir, 'b'))).not.toBe(first);
  });
});
