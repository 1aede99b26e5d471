import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaBundles } from '../../scripts/build-lambda.ts';

describe('npx cdk synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-synth-'));
  const lambdaDir = join(dir, 'lambda');
  beforeAll(() => buildLambdaBundles(lambdaDir));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function synth(name: string, context: string[] = []) {
    const out = join(dir, name);
    await promisify(execFile)(
      'npx',
      [
        'cdk',
        'synth',
        '--quiet',
        '--no-notices',
        '-o',
        out,
        '-c',
        `lambdaCodeDir=${lambdaDir}`,
        ...context.flatMap((c) => ['-c', c]),
      ],
      { env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' }, timeout: 120_000 },
    );
    const template = JSON.parse(readFileSync(join(out, 'FlashSale.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    // The bundles are the functions' assets.
    const assets = JSON.parse(readFileSync(join(out, 'FlashSale.assets.json'), 'utf8'));
    const bundles = Object.values(assets.files as Record<string, { source: { path: string } }>)
      .map((f) => f.source.path)
      .filter((path) => existsSync(join(out, path, 'index.mjs')));
    return { types, bundles };
  }

  it('synthesizes the app offline from the esbuild bundles', async () => {
    const { types, bundles } = await synth('cdk.out');
    expect(types).toContain('AWS::ApiGatewayV2::Api');
    expect(types).not.toContain('AWS::StepFunctions::StateMachine');
    expect(bundles).toHaveLength(3);
  });

  it('synthesizes orders on Step Functions with -c orderWorkflow=stepfunctions', async () => {
    const { types, bundles } = await synth('cdk.out.sfn', ['orderWorkflow=stepfunctions']);
    expect(types.filter((type) => type === 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    expect(bundles).toHaveLength(4);
  });

  it('keeps the Step Functions client out of what the API function loads at a cold start', () => {
    /** The entry module and the chunks it imports statically (a minified `from"./chunks/..."`). */
    const staticClosure = (file: string, seen = new Set<string>()): string => {
      if (seen.has(file)) return '';
      seen.add(file);
      const code = readFileSync(file, 'utf8');
      const imported = [...code.matchAll(/(?:from|import)\s*"(\.[^"]+\.mjs)"/g)].map((m) => m[1]!);
      return code + imported.map((path) => staticClosure(join(dirname(file), path), seen)).join('');
    };
    const api = join(lambdaDir, 'api');
    const everything = readdirSync(api, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
      .join('');
    expect(everything).toContain('SendTaskSuccess');
    expect(staticClosure(join(api, 'index.mjs'))).not.toContain('SendTaskSuccess');
  });
});
