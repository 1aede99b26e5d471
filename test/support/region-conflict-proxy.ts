import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One DynamoDB call as the proxy saw it: the operation and its JSON body. */
export interface SeenCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/**
 * A DynamoDB endpoint in front of dynalite that answers
 * `ReplicatedWriteConflictException` (HTTP 400, the wire error a global table
 * with multi-Region strong consistency gives while another Region writes the
 * same item) for the calls `conflicts` picks, without passing them on, and
 * forwards every other call unchanged, recording each. The client under test
 * parses and retries that answer exactly as it would AWS's.
 */
export class RegionConflictProxy {
  /** Decides, per call, whether "another Region" is writing its item right now. */
  conflicts: (call: SeenCall) => boolean = () => false;
  /** Calls answered with a conflict, in order. */
  readonly refused: SeenCall[] = [];
  /** Every call, refused or passed on, in order. */
  readonly calls: SeenCall[] = [];
  readonly #target: string;
  readonly #server: Server;

  private constructor(target: string, server: Server) {
    this.#target = target;
    this.#server = server;
  }

  static async start(target: string): Promise<RegionConflictProxy> {
    const server = createServer();
    const proxy = new RegionConflictProxy(target, server);
    server.on('request', (request, response) => {
      proxy.#handle(request).then(
        ({ status, headers, body }) => {
          response.writeHead(status, headers);
          response.end(body);
        },
        (error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(String(error));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(
    request: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const target = String(request.headers['x-amz-target'] ?? '');
    const call: SeenCall = {
      operation: target.slice(target.indexOf('.') + 1),
      input: body === '' ? {} : (JSON.parse(body) as Record<string, unknown>),
    };
    this.calls.push(call);
    if (this.conflicts(call)) {
      this.refused.push(call);
      return {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ReplicatedWriteConflictException',
          message: 'One or more items in this request are being modified by a request in another Region.',
        }),
      };
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
        headers[name] = value;
    }
    const reply = await fetch(`${this.#target}${request.url ?? '/'}`, {
      method: request.method ?? 'POST',
      headers,
      body,
    });
    const replyHeaders: Record<string, string> = {};
    reply.headers.forEach((value, name) => {
      if (!['content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(name))
        replyHeaders[name] = value;
    });
    return { status: reply.status, headers: replyHeaders, body: await reply.text() };
  }
}
