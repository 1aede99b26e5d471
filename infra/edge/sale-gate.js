import cf from 'cloudfront';

// CloudFront Function (runtime cloudfront-js-2.0), viewer request of POST /v1/sales/{id}/purchase.
// Refuses, at the edge, the purchases the origin would refuse anyway: before the sale's start
// (403 not_started) and while the app says it is sold out (409 sold_out), with the origin's bodies
// byte for byte (test/unit/infra/sale-gate.test.ts). Any doubt (no key, an unreadable value, a
// store that fails, a time too close to call) sends the request on to the origin: a stale edge
// may only cost a trip to the Region, never refuse a purchase that could succeed.
// What the app publishes: src/app/edge-status.ts. Keep this file small: the quota is 10 KB.

const kvs = cf.kvs();

/** The edge's clock may be off: refuse only when the answer holds this far either side. */
const CLOCK_MARGIN_MS = 2000;
/** In the last part of a sold-out mark, a sample goes on so the origin renews the mark in time. */
const RENEW_WINDOW_MS = 20000;
const RENEW_SAMPLE = 0.01;
/** A client retrying a purchase whose answer it lost says so: the origin owes it its first answer. */
const RETRY_HEADER = 'x-purchase-retry';
const PURCHASE_PATH = /^\/v1\/sales\/([^/]+)\/purchase$/;

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls the function named handler.
async function handler(event) {
  const request = event.request;
  if (request.method !== 'POST' || request.headers[RETRY_HEADER] !== undefined) return request;
  const match = PURCHASE_PATH.exec(request.uri);
  if (match === null) return request;
  const saleId = match[1];
  const now = Date.now();
  const start = await read(`start:${saleId}`);
  if (start !== undefined && typeof start.startsAt === 'number' && now < start.startsAt - CLOCK_MARGIN_MS) {
    const startsAt = new Date(start.startsAt).toISOString();
    return refusal(event, 403, 'Forbidden', {
      error: {
        code: 'not_started',
        message: 'the sale has not started yet: retry after startsAt',
        details: { startsAt },
      },
    });
  }
  const mark = await read(`sold_out:${saleId}`);
  if (mark === undefined || typeof mark.until !== 'number' || now >= mark.until - CLOCK_MARGIN_MS) {
    return request;
  }
  if (now >= mark.until - RENEW_WINDOW_MS && Math.random() < RENEW_SAMPLE) return request;
  return refusal(event, 409, 'Conflict', { error: { code: 'sold_out', message: 'sold out: no units left' } });
}

/** The key's JSON value; undefined when it is missing or unreadable (the store throws for both). */
async function read(key) {
  try {
    const value = await kvs.get(key, { format: 'json' });
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch (_error) {
    return undefined;
  }
}

function refusal(event, statusCode, statusDescription, body) {
  return {
    statusCode,
    statusDescription,
    headers: {
      'content-type': { value: 'application/json; charset=utf-8' },
      'cache-control': { value: 'no-store' },
      'x-request-id': { value: event.context.requestId },
    },
    body: { encoding: 'text', data: JSON.stringify(body) },
  };
}
