import { type DestinationStream, pino } from 'pino';
import type { Logger, LogLevel } from '../ports/logger.ts';
import { type LogThreshold, REDACTED, REDACTED_PATHS } from './log-records.ts';

export interface LoggerOptions {
  readonly level?: LogThreshold;
  /**
   * Where lines go: a stream, or a file descriptor (default 2, stderr),
   * written synchronously so that a line logged just before exit is not lost.
   */
  readonly destination?: DestinationStream | 1 | 2;
  /** Fields on every line, e.g. { thread: 2 }. */
  readonly base?: Record<string, unknown>;
}

/**
 * JSON lines through pino: `{"level":"info","time":"…","message":"…",…}`,
 * the shape CloudWatch Logs and most collectors parse as is. An `error`
 * field that is an Error is written with its name, message and stack.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      messageKey: 'message',
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: pino.stdSerializers.err },
      redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    },
    typeof options.destination === 'object'
      ? options.destination
      : pino.destination({ fd: options.destination ?? 2, sync: true }),
  );
  return {
    log(level: LogLevel, message: string, fields?: Record<string, unknown>) {
      if (fields === undefined) logger[level](message);
      else logger[level](fields, message);
    },
    enabled: (level) => logger.isLevelEnabled(level),
  };
}
