/** What every logger of the project writes, whichever writes it (pino on Node, json-line-logger on Lambda). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogThreshold = (typeof LOG_LEVELS)[number];

/**
 * Where a token or personal data could end up in a record: header maps
 * (`headers.authorization`, cookies, the purchase token), and fields named
 * for a secret or a shopper's contact details, at the top or one level down.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'cookie',
  'token',
  'password',
  'email',
  'phone',
  'headers.authorization',
  'headers.cookie',
  'headers["x-purchase-token"]',
  '*.authorization',
  '*.token',
  '*.password',
  '*.email',
  '*.phone',
];

export const REDACTED = '[redacted]';

/** Where lines go: anything with a `write(line)`, as pino's destination streams. */
export interface LineSink {
  write(line: string): unknown;
}
