import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaBundles } from '../../scripts/build-lambda.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

describe('npx cdk synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-synth-'));
  const lambdaDir = join(dir, 'lambda');
  beforeAll(() => buildLambdaBundles(lambdaDir));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function synth(out: string, context: string[] = []): Promise<void> {
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
  }
  const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

  it('synthesizes the app offline from the esbuild bundles', async () => {
    const out = join(dir, 'cdk.out');
    await synth(out);
    const template = readJson(join(out, 'FlashSale.template.json'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toContain('AWS::ApiGatewayV2::Api');
    expect(types).toContain('AWS::AppSync::GraphQLApi');
    // The bundles are the functions' assets.
    const assets = readJson(join(out, 'FlashSale.assets.json'));
    const dirs = Object.values(assets.files as Record<string, { source: { path: string } }>).map(
      (f) => f.source.path,
    );
    // api, consumer, sweeper and the GraphQL resolvers.
    expect(dirs.filter((path) => existsSync(join(out, path, 'index.mjs')))).toHaveLength(4);

    // What `sam local invoke` / `start-api -t cdk.out/FlashSale.template.json` read from it.
    const t = Template.fromJSON(template);
    const functions = Object.entries(t.findResources('AWS::Lambda::Function')) as Array<[string, Resource]>;
    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      // The function's code is the asset directory beside the template (SAM mounts it).
      expect(fn.Metadata?.['aws:asset:property']).toBe('Code');
      const assetPath = fn.Metadata?.['aws:asset:path'] as string;
      expect(existsSync(join(out, assetPath, 'index.mjs')), assetPath).toBe(true);
      expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x' });
    }
    const [apiFunction] = functions.filter(
      ([, fn]) =>
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.SERVICE_NAME ===
        'api',
    );
    // start-api maps each route to a function through its integration's URI, which must read as a
    // Lambda ARN once SAM resolves Fn::GetAtt / Fn::Join: the API function's, qualified by its alias.
    const integrations = t.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.values(integrations)).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [apiFunction![0], 'Arn'] }, ':live']] },
        }),
      }),
    ]);
    t.hasResourceProperties('AWS::Lambda::Alias', {
      FunctionName: { Ref: apiFunction![0] },
      Name: 'live',
    });
    const [integrationId] = Object.keys(integrations);
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      expect(route.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
      });
    }
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { ApiId: Match.anyValue(), StageName: '$default' });
  });

  it('synthesizes orders on Step Functions with -c orderWorkflow=stepfunctions', async () => {
    const out = join(dir, 'cdk.out.sfn');
    await synth(out, ['orderWorkflow=stepfunctions']);
    const template = readJson(join(out, 'FlashSale.template.json'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((type) => type === 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    const assets = readJson(join(out, 'FlashSale.assets.json'));
    const dirs = Object.values(assets.files as Record<string, { source: { path: string } }>).map(
      (f) => f.source.path,
    );
    expect(dirs.filter((path) => existsSync(join(out, path, 'index.mjs')))).toHaveLength(5);
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

  it('synthesizes the multi-Region app from -c regions: seven stacks, each in its Region', async () => {
    const out = join(dir, 'cdk.out.regions');
    await synth(out, ['regions=us-east-1,us-east-2,us-west-2']);
    const manifest = readJson(join(out, 'manifest.json')) as {
      artifacts: Record<string, { type: string; environment?: string; dependencies?: string[] }>;
    };
    const stacks = Object.fromEntries(
      Object.entries(manifest.artifacts)
        .filter(([, a]) => a.type === 'aws:cloudformation:stack')
        .map(([name, a]) => [name, a.environment?.split('/').pop()]),
    );
    expect(stacks).toEqual({
      'FlashSale-Key-us-east-1': 'us-east-1',
      'FlashSale-Key-us-east-2': 'us-east-2',
      'FlashSale-Key-us-west-2': 'us-west-2',
      'FlashSale-Global': 'us-east-1',
      'FlashSale-us-east-1': 'us-east-1',
      'FlashSale-us-east-2': 'us-east-2',
      'FlashSale-us-west-2': 'us-west-2',
    });
    expect(manifest.artifacts['FlashSale-us-west-2']!.dependencies).toEqual(
      expect.arrayContaining(['FlashSale-Global', 'FlashSale-Key-us-west-2']),
    );
    const global = Template.fromJSON(readJson(join(out, 'FlashSale-Global.template.json')));
    const tables = Object.values(global.findResources('AWS::DynamoDB::GlobalTable')) as Resource[];
    expect(tables).toHaveLength(2);
    for (const table of tables) expect(table.Properties.MultiRegionConsistency).toBe('STRONG');
  });

  it('refuses a Region set MRSC does not take, naming the sets', async () => {
    await expect(synth(join(dir, 'cdk.out.bad'), ['regions=us-east-1,eu-west-1,us-west-2'])).rejects.toThrow(
      /one set \(US: us-east-1, us-east-2, us-west-2/,
    );
  });
});
