import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFrontKeyValueStoreClientConfig } from '@aws-sdk/client-cloudfront-keyvaluestore';

export const LOCAL_KVS_ARN =
  'arn:aws:cloudfront::123456789012:key-value-store/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

/** What a test may make the store do on a later call. */
export interface KvsFault {
  /** Answer this many writes with 409 ConflictException, as when another writer moved the ETag. */
  conflicts?: number;
  /** Answer every call with 500 from now on. */
  down?: boolean;
}

/**
 * A CloudFront KeyValueStore for tests, in two faces over one map of keys:
 * the regional API the app writes through (the SDK's REST calls,
 * DescribeKeyValueStore, GetKey, PutKey, DeleteKey, with the store-wide ETag
 * that every write must name), and the `cloudfront` module a CloudFront
 * Function reads it with (`cf.kvs().get(key, { format })`, which rejects for a
 * missing key). Signatures are not checked, as dynalite does not check them.
 * The edge's face reads the map at once: propagation delay is not modelled.
 */
export class LocalKvs {
  readonly items = new Map<string, string>();
  readonly calls: string[] = [];
  /** The signing algorithm of each call's Authorization header. */
  readonly algorithms: string[] = [];
  readonly fault: KvsFault = {};
  #etag = randomUUID();
  #server: Server | undefined;

  /**
   * SDK settings that reach this store. The KeyValueStore API's endpoint
   * rules put the account id in front of the host name, which an IP address
   * cannot take: the client calls a made-up name that its agent resolves here.
   */
  async clientConfig(): Promise<CloudFrontKeyValueStoreClientConfig> {
    const port = await this.start();
    return {
      endpoint: `http://kvs.test:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: {
        httpAgent: new Agent({
          lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
        }),
      },
    };
  }

  async start(): Promise<number> {
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  /** The module a CloudFront Function imports as `cloudfront`. */
  readonly cloudfront = {
    kvs: () => ({
      get: async (key: string, options?: { format?: 'string' | 'json' | 'bytes' }): Promise<unknown> => {
        const value = this.items.get(key);
        if (value === undefined) throw new Error(`KeyValueStore: key not found: ${key}`);
        return options?.format === 'json' ? JSON.parse(value) : value;
      },
    }),
  };

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://local');
    const match = /^\/key-value-stores\/([^/]+)(?:\/keys\/(.+))?$/.exec(url.pathname);
    const method = request.method ?? 'GET';
    const key = match?.[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const operation = key === undefined ? 'DescribeKeyValueStore' : `${method} key`;
    this.calls.push(key === undefined ? operation : `${method} ${key}`);
    this.algorithms.push(request.headers.authorization?.split(' ', 1)[0] ?? 'none');
    if (this.fault.down) return error(response, 500, 'InternalServerException', 'store down');
    if (match === null || decodeURIComponent(match[1]!) !== LOCAL_KVS_ARN) {
      return error(response, 404, 'ResourceNotFoundException', 'no such store');
    }
    if (key === undefined) {
      return json(response, 200, this.#summary({ KvsARN: LOCAL_KVS_ARN, Created: 0 }), this.#etag);
    }
    if (method === 'GET') {
      const value = this.items.get(key);
      if (value === undefined) return error(response, 404, 'ResourceNotFoundException', 'no such key');
      return json(response, 200, this.#summary({ Key: key, Value: value }));
    }
    if (request.headers['if-match'] !== this.#etag || (this.fault.conflicts ?? 0) > 0) {
      if ((this.fault.conflicts ?? 0) > 0) this.fault.conflicts! -= 1;
      return error(response, 409, 'ConflictException', 'the ETag does not match');
    }
    if (method === 'PUT') {
      this.items.set(key, (JSON.parse(body) as { Value: string }).Value);
    } else if (method === 'DELETE') {
      if (!this.items.delete(key)) return error(response, 404, 'ResourceNotFoundException', 'no such key');
    } else {
      return error(response, 405, 'ValidationException', 'method');
    }
    this.#etag = randomUUID();
    return json(response, 200, this.#summary({}), this.#etag);
  }

  #summary(extra: Record<string, unknown>): Record<string, unknown> {
    let size = 0;
    for (const [k, v] of this.items) size += Buffer.byteLength(k) + Buffer.byteLength(v);
    return { ...extra, ItemCount: this.items.size, TotalSizeInBytes: size };
  }
}

function json(response: ServerResponse, status: number, body: unknown, etag?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    ...(etag === undefined ? {} : { etag }),
  });
  response.end(JSON.stringify(body));
}

function error(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  response.end(JSON.stringify({ message }));
}
