import { readFileSync } from 'node:fs';
import { SALE_GATE_SOURCE } from '../../infra/edge-filter.ts';

const IMPORT_LINE = "import cf from 'cloudfront';";

/** The `cloudfront` module's part the function uses: its KeyValueStore handle. */
export interface CloudFrontModule {
  kvs(): { get(key: string, options?: { format?: 'string' | 'json' | 'bytes' }): Promise<unknown> };
}

export interface ViewerRequest {
  readonly method: string;
  readonly uri: string;
  readonly querystring: Record<string, { value: string }>;
  readonly headers: Record<string, { value: string }>;
  readonly cookies: Record<string, { value: string }>;
}

export interface EdgeResponse {
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly headers: Record<string, { value: string }>;
  readonly body: { readonly encoding: 'text'; readonly data: string };
}

export type SaleGate = (event: ViewerRequestEvent) => Promise<ViewerRequest | EdgeResponse>;

export interface ViewerRequestEvent {
  readonly version: '1.0';
  readonly context: {
    readonly distributionDomainName: string;
    readonly distributionId: string;
    readonly eventType: 'viewer-request';
    readonly requestId: string;
  };
  readonly viewer: { readonly ip: string };
  readonly request: ViewerRequest;
}

/**
 * The shipped file, run in Node: the one line Node cannot resolve (the
 * runtime's `cloudfront` module) is replaced by the given module, and the
 * edge's clock and random numbers by the test's. The rest runs unchanged.
 */
export function loadSaleGate(options: {
  cloudfront: CloudFrontModule;
  now: () => number;
  random?: () => number;
}): SaleGate {
  const source = readFileSync(SALE_GATE_SOURCE, 'utf8');
  if (!source.startsWith(`${IMPORT_LINE}\n`)) {
    throw new Error(`${SALE_GATE_SOURCE} must start with: ${IMPORT_LINE}`);
  }
  const body = source.slice(IMPORT_LINE.length);
  const EdgeDate = class extends Date {
    static override now(): number {
      return options.now();
    }
  };
  const EdgeMath = Object.create(Math, { random: { value: options.random ?? Math.random } }) as Math;
  const make = new Function('cf', 'Date', 'Math', `${body}\nreturn handler;`) as (
    cf: CloudFrontModule,
    date: DateConstructor,
    math: Math,
  ) => SaleGate;
  return make(options.cloudfront, EdgeDate as unknown as DateConstructor, EdgeMath);
}

/** A viewer-request event as CloudFront hands it to the function (header names in lower case). */
export function viewerRequest(
  method: string,
  uri: string,
  headers: Record<string, string> = {},
): ViewerRequestEvent {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: 'edge-request-1',
    },
    viewer: { ip: '198.51.100.11' },
    request: {
      method,
      uri,
      querystring: {},
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, { value }])),
      cookies: {},
    },
  };
}

export function isEdgeResponse(result: ViewerRequest | EdgeResponse): result is EdgeResponse {
  return 'statusCode' in result;
}
