import { readFileSync } from 'node:fs';
import type { ManagedProcess } from './managed-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value, the process exits (its log says
 * why), `signal` aborts, or `timeoutMs` passes.
 */
export async function waitUntil<T>(
  process: ManagedProcess,
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs, signal }: { timeoutMs: number; signal: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    if (!process.running()) {
      const { code, signal: killedBy } = await process.exited;
      throw new Error(
        `${process.name} exited (${killedBy ?? `code ${code}`}) before ${what}; the end of ${process.logFile}:\n${logTail(process.logFile)}`,
      );
    }
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${process.name}: not ${what} after ${timeoutMs} ms: see ${process.logFile}`);
    await sleep(100);
  }
}

/** The last lines of a log, indented, for an error message. */
function logTail(file: string, lines = 5): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
    return text.map((line) => `  ${line}`).join('\n');
  } catch {
    return '  (no log)';
  }
}
