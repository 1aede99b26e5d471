import { randomUUID } from 'node:crypto';

/** What a caller's X-Request-Id may be to be kept: short, printable, nothing a log line could be forged with. */
const SANE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

/** The caller's X-Request-Id when it is a sane value (a proxy's, a client's retry), else a fresh one. */
export function requestIdOf(headers: Readonly<Record<string, string | undefined>>): string {
  const given = headers[REQUEST_ID_HEADER];
  return given !== undefined && SANE.test(given) ? given : randomUUID();
}
