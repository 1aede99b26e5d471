// Fails when two folders under src/ import each other: node scripts/check-folder-imports.ts
// `madge --circular` finds cycles between files; this finds them between layers, where a cycle of
// files may not exist yet but the dependency rule ("inward only") is already broken.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** One import that crosses folders, kept as evidence for the report. */
interface Crossing {
  readonly from: string;
  readonly to: string;
}

/**
 * The folder a file belongs to, as the check sees it: src/<top> for most,
 * src/adapters/<technology> for adapters (each its own folder, none may lean
 * on another), and a file directly under src/ stands for itself.
 */
function folderOf(file: string): string {
  const parts = relative(root, file).split(sep);
  if (parts.length <= 2) return parts.join('/');
  if (parts[1] === 'adapters' && parts.length > 3) return parts.slice(0, 3).join('/');
  return parts.slice(0, 2).join('/');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file, type-only and dynamic ones included, resolved to paths. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier));
}

/** For each ordered pair of folders, the first import found from one into the other. */
function folderImports(files: readonly string[]): Map<string, Crossing> {
  const crossings = new Map<string, Crossing>();
  for (const file of files) {
    for (const target of importsOf(file)) {
      if (!target.startsWith(src + sep)) continue;
      const key = `${folderOf(file)} -> ${folderOf(target)}`;
      if (folderOf(file) !== folderOf(target) && !crossings.has(key)) {
        crossings.set(key, { from: relative(root, file), to: relative(root, target) });
      }
    }
  }
  return crossings;
}

function mutualPairs(crossings: ReadonlyMap<string, Crossing>): string[] {
  const reports: string[] = [];
  for (const [key, there] of crossings) {
    const [a, b] = key.split(' -> ') as [string, string];
    const back = crossings.get(`${b} -> ${a}`);
    if (back === undefined || a > b) continue;
    reports.push(`${a} <-> ${b}\n  ${there.from} imports ${there.to}\n  ${back.from} imports ${back.to}`);
  }
  return reports;
}

const pairs = mutualPairs(folderImports(sourceFiles(src)));
if (pairs.length > 0) {
  process.stderr.write(`Folders that import each other:\n${pairs.join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('No folders under src/ import each other.\n');
}
