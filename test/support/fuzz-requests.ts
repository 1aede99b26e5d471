import fc from 'fast-check';
import type { RawRequest } from './raw-http.ts';

/** What the fuzz aims at: the documented routes and the ids and tokens that reach past the first check. */
export interface FuzzTargets {
  /** From /openapi.json: `{id}` marks a path parameter. */
  readonly routes: readonly { readonly method: string; readonly path: string }[];
  readonly plainSaleId: string;
  readonly tokenSaleId: string;
  /** An order of a shopper the fuzz never signs in as. */
  readonly foreignOrderId: string;
  readonly shopperToken: string;
  readonly adminToken: string;
  /** Refused tokens: malformed, expired, signed by another key, the wrong token_use or client_id, alg none. */
  readonly badTokens: readonly string[];
}

/** A request and what could make the server accept it; the fuzz keeps only requests refused for sure. */
export interface FuzzRequest {
  readonly raw: RawRequest;
  /** Whether the route is one that changes the store (a documented POST). */
  readonly mayWrite: boolean;
}

type Body = { readonly text: string | undefined; readonly valid: 'purchase' | 'sale' | false };

const VALID_SALE = {
  sku: 'SKU-F',
  name: 'fuzz',
  stock: 5,
  startsAt: '2020-01-01T00:00:00Z',
  endsAt: '2099-01-01T00:00:00Z',
  perUserLimit: 2,
  priceCents: 100,
  currency: 'EUR',
  paymentWindowSeconds: 60,
};

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'isAdmin', 'userId', 'toString'] as const;

/** Numbers as JSON text: JSON.parse turns 1e400 into Infinity, which JSON.stringify could not write. */
const badNumber = fc.constantFrom(
  '0',
  '-1',
  '-0',
  '1.5',
  '0.0001',
  '1001',
  '1e400',
  '-1e400',
  '1e308',
  '9007199254740993',
  '123456789012345678901234567890',
  '"1"',
  'null',
  'true',
  '[]',
  '{}',
  '"Infinity"',
);

const unicode = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const badKey = fc.oneof(
  fc.constantFrom('', 'a b', 'ключ', '../x', '\u0000', 'k\nk'),
  fc.integer({ min: 129, max: 5000 }).map((n) => 'k'.repeat(n)),
  unicode.filter((s) => !/^[A-Za-z0-9._:-]+$/.test(s)),
);
const anyJsonText = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));

/** A valid body with one field made wrong, a field missing, or a hostile key added: refused by the schema. */
function spoiled(
  valid: Record<string, unknown>,
  badValues: Record<string, fc.Arbitrary<string>>,
): fc.Arbitrary<string> {
  const fields = Object.keys(valid);
  const entries = (omit?: string) =>
    fields.filter((f) => f !== omit).map((f) => `${JSON.stringify(f)}:${JSON.stringify(valid[f])}`);
  return fc.oneof(
    fc
      .constantFrom(...fields)
      .chain((field) =>
        (badValues[field] ?? badNumber).map(
          (v) => `{${[...entries(field), `${JSON.stringify(field)}:${v}`].join(',')}}`,
        ),
      ),
    fc.constantFrom(...fields).map((field) => `{${entries(field).join(',')}}`),
    fc
      .tuple(fc.constantFrom(...HOSTILE_KEYS), anyJsonText)
      .map(([key, v]) => `{${[`${JSON.stringify(key)}:${v}`, ...entries()].join(',')}}`),
  );
}

const purchaseFields = { quantity: 1, idempotencyKey: 'fuzz-key' };
const hostileBody: fc.Arbitrary<Body> = fc
  .oneof(
    fc.constantFrom(
      '',
      '{',
      '{"quantity":',
      "{'quantity':1}",
      'nul',
      '[1,]',
      '\u0000',
      '{"a":1}}',
      'undefined',
    ),
    fc.string({ maxLength: 200 }).filter((s) => !isJson(s)),
    fc.integer({ min: 10, max: 8000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
    fc.integer({ min: 10, max: 2700 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc
      .integer({ min: 16_385, max: 40_000 })
      .map((n) => JSON.stringify({ ...purchaseFields, pad: 'x'.repeat(n) })),
    anyJsonText,
    spoiled(purchaseFields, { idempotencyKey: badKey.map((k) => JSON.stringify(k)) }),
    spoiled(VALID_SALE, {
      // 1001 is a valid stock or payment window, 0 a valid price.
      stock: badNumber.filter((n) => n !== '1001'),
      paymentWindowSeconds: badNumber.filter((n) => n !== '1001'),
      priceCents: badNumber.filter((n) => !['0', '-0', '1001'].includes(n)),
      sku: fc
        .oneof(badKey, fc.constant('   '))
        .map((s) => JSON.stringify(s.length > 64 ? s : `${s}${'s'.repeat(65)}`)),
      currency: fc.constantFrom('"eur"', '"EURO"', '""', '1'),
      startsAt: fc.constantFrom('"yesterday"', '"2020-13-45T00:00:00Z"', '0', '""'),
      endsAt: fc.constantFrom('"2019-01-01T00:00:00Z"', '"not a date"', 'null'),
    }),
  )
  .map((text) => ({ text, valid: false }));
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 12, arbitrary: hostileBody },
  { weight: 1, arbitrary: fc.constant<Body>({ text: undefined, valid: false }) },
  { weight: 1, arbitrary: fc.constant<Body>({ text: JSON.stringify(purchaseFields), valid: 'purchase' }) },
  { weight: 1, arbitrary: fc.constant<Body>({ text: JSON.stringify(VALID_SALE), valid: 'sale' }) },
);

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON; charset="UTF-8"',
];
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<string | readonly string[] | undefined>(...JSON_TYPES) },
  fc.constantFrom<string | readonly string[] | undefined>(
    undefined,
    'text/plain',
    'application/json-seq',
    'application/merge-patch+json',
    'application/json; charset=latin1',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '',
    ';;;',
    ['text/plain', 'application/json'],
    ['application/json', 'text/plain'],
  ),
  fc.string({ maxLength: 60 }).map(latin1Safe),
);

const headerText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 80 }) },
  fc.integer({ min: 200, max: 6000 }).map((n) => 'x'.repeat(n)),
  unicode.map((s) => Buffer.from(s, 'utf8').toString('latin1')),
  // A log4j lookup, literally: the string is what a hostile header carries.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: not meant as a template
  fc.constantFrom('', ' ', 'null', '../../etc/passwd', '<script>', '${jndi:ldap://x}', 'a, b'),
);
const forwardedFor = fc.oneof(
  headerText,
  fc.constantFrom('1.2.3.4', '::1', '999.999.1.1', '1.1.1.1, 2.2.2.2', 'unknown', ', ,', '::ffff:10.0.0.1'),
  fc.array(fc.ipV4(), { minLength: 1, maxLength: 300 }).map((ips) => ips.join(', ')),
);

function extraHeaders(): fc.Arbitrary<Record<string, string | string[]>> {
  const value = headerText.map(latin1Safe);
  const maybeTwice = (v: fc.Arbitrary<string>) =>
    fc.oneof(
      v,
      fc.tuple(v, v).map(([a, b]) => [a, b]),
    );
  return fc.record(
    {
      'x-request-id': maybeTwice(value),
      'x-purchase-token': maybeTwice(value),
      'x-forwarded-for': maybeTwice(forwardedFor.map(latin1Safe)),
      'idempotency-key': value,
      accept: fc.constantFrom('*/*', 'text/html', 'application/xml', ''),
      cookie: value,
    },
    { requiredKeys: [] },
  );
}

const ODD_METHODS = [
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'TRACE',
  'PROPFIND',
  'PURGE',
  'GET',
  'POST',
];

export function fuzzRequest(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const id = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(t.plainSaleId, t.tokenSaleId, t.foreignOrderId) },
    fc.constantFrom(
      '..',
      '.',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e',
      '%00',
      '%ZZ',
      '%',
      'a%2Fb',
      '%C0%AF',
      'null',
      '0',
      '-1',
    ),
    fc.integer({ min: 100, max: 4000 }).map((n) => 'i'.repeat(n)),
    unicode.map(encodeURIComponent),
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  );
  const auth = fc.oneof(
    fc.constant({ header: undefined, valid: false }),
    fc.constantFrom(...t.badTokens).map((token) => ({ header: `Bearer ${token}`, valid: false })),
    fc
      .constantFrom(
        'Bearer',
        'Bearer ',
        'Basic YWRtaW46YWRtaW4=',
        `bearer  ${t.shopperToken}x`,
        'Bearer a.b.c',
      )
      .map((header) => ({ header, valid: false })),
    { weight: 3, arbitrary: fc.constant({ header: `Bearer ${t.shopperToken}`, valid: true }) },
    { weight: 2, arbitrary: fc.constant({ header: `Bearer ${t.adminToken}`, valid: true }) },
  );
  return fc
    .record({
      route: fc.constantFrom(...t.routes),
      // One request in five uses another method than the documented one.
      oddMethod: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) },
      ),
      id,
      suffix: fc.constantFrom('', '', '', '/', '?a=1', '?__proto__[admin]=1&constructor=x', '#frag'),
      auth,
      contentType,
      body,
      headers: extraHeaders(),
    })
    .filter((r) => {
      // Keep the requests the store must refuse: an accepted write would change what the fuzz compares.
      const method = r.oddMethod ?? r.route.method;
      if (method !== 'POST' || !r.auth.valid) return true;
      const asAdmin = r.auth.header!.includes(t.adminToken);
      // An admin may pay or cancel anyone's order; these routes read no body.
      if (r.route.path.startsWith('/v1/orders/')) return !asAdmin || r.id !== t.foreignOrderId;
      if (!mayBeJson(r.contentType)) return true;
      if (r.route.path === '/v1/sales') return r.body.valid !== 'sale' || !asAdmin;
      if (r.route.path === '/v1/sales/{id}/purchase')
        return r.body.valid !== 'purchase' || r.id !== t.plainSaleId;
      return true;
    })
    .map((r) => {
      const method = r.oddMethod ?? r.route.method;
      const headers: Record<string, string | readonly string[]> = { ...r.headers };
      if (r.auth.header !== undefined) headers.authorization = r.auth.header;
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      return {
        raw: {
          method,
          path: `${r.route.path.replace('{id}', r.id)}${r.suffix}`,
          headers,
          ...(r.body.text === undefined || method === 'GET' || method === 'HEAD'
            ? {}
            : { body: r.body.text }),
        },
        mayWrite: r.route.method === 'POST',
      };
    });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Conservative: a repeated Content-Type counts as JSON if any of its values is. */
function mayBeJson(type: string | readonly string[] | undefined): boolean {
  if (type === undefined) return false;
  const types = typeof type === 'string' ? [type] : type;
  return types.some((t) => t.toLowerCase().includes('json'));
}

/** Header values node:http will send: no control characters, nothing above U+00FF. */
function latin1Safe(text: string): string {
  return text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}
