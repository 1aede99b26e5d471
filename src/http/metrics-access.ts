import { timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-error.ts';

/**
 * Refuses a /metrics request that does not carry `Authorization: Bearer
 * <token>` when a token is configured (METRICS_TOKEN). Compared in constant
 * time; the token is a shared secret of the operator's scraper, not a JWT.
 */
export function checkMetricsToken(authorization: string | undefined, token: string | undefined): void {
  if (token === undefined) return;
  const sent = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const expected = Buffer.from(token);
  const given = Buffer.from(sent);
  if (given.length === expected.length && timingSafeEqual(given, expected)) return;
  throw new HttpError('unauthorized', 'metrics need Authorization: Bearer <METRICS_TOKEN>');
}
