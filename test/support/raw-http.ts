import { Agent, type IncomingHttpHeaders, request } from 'node:http';

/** A request as it goes on the wire: any method, repeated headers, a body of any bytes. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  /** An array value sends the header once per element. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Empty for an event stream: only its head is read. */
  readonly body: string;
}

/**
 * One request over node:http rather than fetch(), which refuses odd methods
 * (TRACE), repeated headers and hand-set Content-Length. An event stream is
 * answered by its head alone: the socket is then closed.
 */
export function rawRequest(baseUrl: string, agent: Agent, raw: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: raw.method,
        path: raw.path,
        agent,
        // Set by hand: node:http sends a DELETE's or OPTIONS' body with no length, which the server
        // then reads as the next request on the connection.
        headers: {
          ...(raw.headers as Record<string, string | string[]>),
          ...(raw.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(raw.body)) }),
        },
      },
      (res) => {
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          resolve({ status: res.statusCode!, headers: res.headers, body: '' });
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(raw.body);
  });
}

export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}
