import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig, settingEnvironmentVariables } from '../../src/config.ts';

const root = new URL('../..', import.meta.url).pathname;
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Service {
  readonly image?: string;
  readonly command?: string[];
  readonly environment?: Record<string, string>;
  readonly ports?: string[];
  readonly deploy?: { readonly replicas?: number };
}

const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** What compose does to `${NAME:-default}` when NAME is not set. */
function interpolated(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value).replace(/\$\{(\w+):-([^}]*)\}/g, (_, _name, fallback: string) => fallback),
    ]),
  );
}

/** The settings the cluster shape cannot start without, as the config check names them. */
function requiredForCluster(): string[] {
  try {
    loadConfig(['--backend', 'cluster'], {});
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.message.matchAll(/--[a-z-]+ \/ ([A-Z_]+): required/g)].map((match) => match[1]!);
  }
}

describe('compose.yaml', () => {
  const servers = ['api', 'worker'] as const;

  it('runs Redis with the append-only file fsync on every write, PostgreSQL, API replicas and workers', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    const redis = services.redis!.command!.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--appendfsync always');
    expect(services.api!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(services.worker!.deploy?.replicas).toBeGreaterThanOrEqual(1);
  });

  it('sets only variables the server reads', () => {
    const known = settingEnvironmentVariables();
    for (const name of servers) {
      const unknown = Object.keys(services[name]!.environment ?? {}).filter(
        (variable) => !known.has(variable),
      );
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });

  it('sets every variable the cluster shape requires', () => {
    const required = requiredForCluster();
    expect(required).toContain('DATABASE_URL');
    for (const name of servers) {
      const missing = required.filter((variable) => services[name]!.environment?.[variable] === undefined);
      expect({ service: name, missing }).toEqual({ service: name, missing: [] });
    }
  });

  it("gives each server flags and variables the server's config accepts: the cluster shape, its role, the compose services", () => {
    for (const name of servers) {
      const service = services[name]!;
      const environment = interpolated(service.environment ?? {});
      const config = loadConfig(service.command ?? [], environment);
      expect(config.role).toBe(name);
      expect(config.demoSale).toBe(false);
      if (config.backend.name !== 'cluster') throw new Error(`${name} runs the ${config.backend.name} shape`);
      expect(new URL(config.backend.config.redisUrl).hostname).toBe('redis');
      const database = new URL(config.backend.config.databaseUrl!);
      expect(database.hostname).toBe('postgres');
      // The database, user and password the postgres service creates.
      const postgres = interpolated(services.postgres!.environment ?? {});
      expect([database.pathname.slice(1), database.username, database.password]).toEqual([
        postgres.POSTGRES_DB,
        postgres.POSTGRES_USER,
        postgres.POSTGRES_PASSWORD,
      ]);
    }
    const api = loadConfig(services.api!.command ?? [], interpolated(services.api!.environment ?? {}));
    expect(services.api!.ports).toEqual([expect.stringMatching(new RegExp(`:${api.port}$`))]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));

  it('builds on Node 24, installs the runtime dependencies only, runs the server as a non-root user', () => {
    expect(instructions.find((line) => line.startsWith('FROM '))).toMatch(/^FROM node:24[-.\w]*$/);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev\b/);
    const user = instructions.filter((line) => line.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    const entrypoint = JSON.parse(
      instructions.find((line) => line.startsWith('ENTRYPOINT '))!.slice(11),
    ) as string[];
    expect(entrypoint[0]).toBe('node');
    expect(existsSync(join(root, entrypoint[1]!))).toBe(true);
    // What the server reads at run time is copied in: src/ (with its SQL and Lua files) and bin/.
    expect(instructions).toEqual(expect.arrayContaining(['COPY src ./src', 'COPY bin ./bin']));
  });

  it('leaves out nothing the server imports: src/ and bin/ import only node: modules and dependencies', () => {
    const manifest = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const allowed = new Set([...Object.keys(manifest.dependencies), ...builtinModules]);
    const imported = new Map<string, string>();
    for (const file of [...sourceFiles(join(root, 'src')), join(root, 'bin/flashsale.js')]) {
      for (const specifier of runtimeImports(file)) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]!;
        imported.set(name, file.slice(root.length));
      }
    }
    expect(imported.size).toBeGreaterThan(5);
    const missing = [...imported].filter(([name]) => !allowed.has(name));
    expect(missing).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Modules a file loads when it runs: `import type` and `export type` are erased by type stripping, the rest is not. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isImportDeclaration(node) &&
      !node.importClause?.isTypeOnly &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
