import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLambdaBundles } from '../../scripts/build-lambda.ts';

describe('npx cdk synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-synth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('synthesizes the app offline from the esbuild bundles', async () => {
    await buildLambdaBundles(join(dir, 'lambda'));
    const out = join(dir, 'cdk.out');
    await promisify(execFile)(
      'npx',
      ['cdk', 'synth', '--quiet', '--no-notices', '-o', out, '-c', `lambdaCodeDir=${join(dir, 'lambda')}`],
      { env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' }, timeout: 120_000 },
    );
    const template = JSON.parse(readFileSync(join(out, 'FlashSale.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toContain('AWS::ApiGatewayV2::Api');
    expect(types).toContain('AWS::AppSync::GraphQLApi');
    // The bundles are the functions' assets.
    const assets = JSON.parse(readFileSync(join(out, 'FlashSale.assets.json'), 'utf8'));
    const dirs = Object.values(assets.files as Record<string, { source: { path: string } }>).map(
      (f) => f.source.path,
    );
    expect(dirs.filter((path) => existsSync(join(out, path, 'index.mjs')))).toHaveLength(4);
  });
});
