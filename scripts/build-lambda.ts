// Bundles each Lambda function into dist/lambda/<name>/index.mjs: npm run build:lambda
import { readdirSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const LAMBDA_FUNCTIONS = {
  api: 'src/runtime/lambda/api.ts',
  consumer: 'src/runtime/lambda/consumer.ts',
  sweeper: 'src/runtime/lambda/sweeper.ts',
  graphql: 'src/runtime/lambda/graphql.ts',
  workflow: 'src/runtime/lambda/workflow.ts',
} as const;

export type LambdaFunctionName = keyof typeof LAMBDA_FUNCTIONS;

export interface BundleReport {
  readonly name: LambdaFunctionName;
  /** The handler's module. */
  readonly file: string;
  /** What a cold start loads: the handler's module and the chunks it imports statically. */
  readonly bytes: number;
  /** Everything in the function's directory, with the chunks loaded only on demand (import()). */
  readonly totalBytes: number;
  readonly dir: string;
}

/**
 * Loads Node's built-in modules with require() rather than import. Importing a
 * built-in into an ES module builds a facade that reads every one of its
 * exports: a few milliseconds for the SDK's (https, crypto, zlib, stream...),
 * and ~15 ms more when the SDK talks plain HTTP (local endpoints, such as the
 * emulators of the tests and of bench:lambda), since `node:http`'s lazy getters
 * (WebSocket, fetch's classes) then load undici and http2. require() returns
 * the module object as it is.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(plugin) {
    plugin.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // The stand-in's own require() is the real one.
      if (args.namespace === 'builtin') return { path: args.path, external: true };
      return { path: args.path, namespace: 'builtin' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * One ES module per function: bundled, minified, tree-shaken (the AWS SDK's
 * ES module builds, so unused commands drop out), for Node 24 on Lambda.
 * The SDK is bundled, not taken from the runtime: a pinned, tested version,
 * and fewer files to load at a cold start.
 */
export async function buildLambdaBundles(outDir = join(root, 'dist', 'lambda')): Promise<BundleReport[]> {
  rmSync(outDir, { recursive: true, force: true });
  const names = Object.keys(LAMBDA_FUNCTIONS) as LambdaFunctionName[];
  // One build per function: each directory is a self-contained Lambda asset.
  const results = await Promise.all(
    names.map((name) =>
      build({
        absWorkingDir: root,
        entryPoints: { index: LAMBDA_FUNCTIONS[name] },
        outdir: join(outDir, name),
        outExtension: { '.js': '.mjs' },
        chunkNames: 'chunks/[name]-[hash]',
        bundle: true,
        // The SDK imports the credential sources other than environment variables (SSO, ini files,
        // web identity, IMDS) with import(): as separate chunks, a cold start on Lambda never loads them.
        splitting: true,
        platform: 'node',
        target: 'node24',
        format: 'esm',
        mainFields: ['module', 'main'],
        minify: true,
        treeShaking: true,
        legalComments: 'none',
        logLevel: 'warning',
        metafile: true,
        plugins: [builtinsThroughRequire],
        // Some CommonJS dependencies require() Node built-ins: give the ES module a require.
        banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
      }),
    ),
  );
  return names.map((name, i) => {
    const dir = join(outDir, name);
    const file = join(dir, 'index.mjs');
    const outputs = results[i]!.metafile.outputs;
    const entry = Object.keys(outputs).find((path) => path.endsWith(`${name}/index.mjs`))!;
    return { name, file, dir, bytes: staticClosureBytes(outputs, entry), totalBytes: directorySize(dir) };
  });
}

type Outputs = Record<
  string,
  { bytes: number; imports: Array<{ path: string; kind: string; external?: boolean }> }
>;

function staticClosureBytes(outputs: Outputs, entry: string): number {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path) || outputs[path] === undefined) return;
    seen.add(path);
    for (const imported of outputs[path].imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return [...seen].reduce((total, path) => total + outputs[path]!.bytes, 0);
}

function directorySize(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((total, entry) => total + statSync(join(entry.parentPath, entry.name)).size, 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reports = await buildLambdaBundles(
    process.argv[2] === undefined ? undefined : resolve(process.argv[2]),
  );
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(7)} KiB`;
  console.log('function   loaded at cold start   whole directory');
  for (const { name, dir, bytes, totalBytes } of reports) {
    console.log(
      `${name.padEnd(9)} ${kib(bytes)}            ${kib(totalBytes)}  ${dir.replace(`${root}/`, '')}`,
    );
  }
}
