export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Where the app and runtimes write what happened, one structured record a
 * line. Fields are data, never secrets: the implementation also redacts the
 * usual places a token or personal data would sit (see observability/logger.ts).
 */
export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /** Lets a caller skip building fields for a line that would be dropped (the request path at debug). */
  enabled(level: LogLevel): boolean;
}

export const silentLogger: Logger = { log: () => {}, enabled: () => false };
