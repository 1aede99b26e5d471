import { writeSync } from 'node:fs';
import type { Logger, LogLevel } from '../ports/logger.ts';
import { type LineSink, type LogThreshold, REDACTED, REDACTED_PATHS } from './log-records.ts';

export interface JsonLineLoggerOptions {
  readonly level?: LogThreshold;
  /** Where lines go: a sink, or a file descriptor written synchronously (default 1, stdout). */
  readonly destination?: LineSink | 1 | 2;
  /** Fields on every line. */
  readonly base?: Record<string, unknown>;
}

const RANK: Record<LogThreshold, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity };

/**
 * The records of `createLogger` (observability/logger.ts: one JSON object a
 * line, `level` by name, ISO `time`, `pid`, `message`, redaction of
 * REDACTED_PATHS, an `error` field written with its type, message and
 * stack), written without pino. For Lambda: importing and setting up pino
 * cost every cold start of the API function about 10 ms (docs/performance.md),
 * and the runtime already takes stdout line by line, so pino's buffering
 * and worker-thread transports have nothing to do there.
 */
export function createJsonLineLogger(options: JsonLineLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const destination = options.destination ?? 1;
  const write =
    typeof destination === 'number'
      ? (line: string) => writeSync(destination, line)
      : (line: string) => destination.write(line);
  const base = { pid: process.pid, ...options.base };
  return {
    log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
      if (RANK[level] < threshold) return;
      const record = {
        level,
        time: new Date().toISOString(),
        ...base,
        ...(fields === undefined ? {} : redacted(fields)),
        message,
      };
      write(`${safeStringify(record)}\n`);
    },
    enabled: (level) => RANK[level] >= threshold,
  };
}

/** REDACTED_PATHS as two lookups: names redacted at the top, and names redacted under a given parent (or any). */
const RULES = (() => {
  const top = new Set<string>();
  const under = new Map<string, Set<string>>();
  for (const path of REDACTED_PATHS) {
    const match = /^(\*|[\w-]+)(?:\.([\w-]+)|\["([^"]+)"\])?$/.exec(path);
    if (match === null) throw new Error(`unsupported redaction path: ${path}`);
    const [, head, dotted, quoted] = match;
    const child = dotted ?? quoted;
    if (child === undefined) top.add(head!);
    else under.set(head!, (under.get(head!) ?? new Set<string>()).add(child));
  }
  return { top, under, underAny: under.get('*') ?? new Set<string>() };
})();

/** A copy of the fields with the secrets replaced (the caller's objects are left as they are). */
function redacted(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (RULES.top.has(name)) out[name] = REDACTED;
    else if (name === 'error' && value instanceof Error) out[name] = serializedError(value);
    else if (isPlainObject(value)) out[name] = redactedChildren(value, RULES.under.get(name));
    else out[name] = value;
  }
  return out;
}

function redactedChildren(
  value: Record<string, unknown>,
  names: Set<string> | undefined,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const name of Object.keys(value)) {
    if (!(RULES.underAny.has(name) || names?.has(name))) continue;
    copy ??= { ...value };
    copy[name] = REDACTED;
  }
  return copy ?? value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * As pino's standard error serializer: the type, the message and the stack
 * each followed by those of its causes, and the error's own fields.
 */
function serializedError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.constructor.name };
  for (const [name, value] of Object.entries(error)) if (name !== 'cause') out[name] = value;
  let message = error.message;
  let stack = error.stack ?? '';
  const seen = new Set<unknown>([error]);
  for (let cause = error.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    message += `: ${cause.message}`;
    stack += `\ncaused by: ${cause.stack ?? cause.message}`;
  }
  out.message = message;
  out.stack = stack;
  return out;
}

/** JSON.stringify that writes a cycle as "[Circular]" and a bigint as its digits, where JSON.stringify would throw. */
function safeStringify(record: object): string {
  try {
    return JSON.stringify(record);
  } catch {
    const ancestors: object[] = [];
    return JSON.stringify(record, function (this: unknown, _key, value: unknown) {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value !== 'object' || value === null) return value;
      while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
      if (ancestors.includes(value)) return '[Circular]';
      ancestors.push(value);
      return value;
    });
  }
}
