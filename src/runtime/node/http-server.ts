import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpApp } from '../../http/http-app.ts';
import { HttpError } from '../../http/http-error.ts';
import {
  type HttpRequest,
  type HttpResponse,
  MAX_BODY_BYTES,
  type ResponseStream,
} from '../../http/types.ts';
import { answerClientError } from './client-error.ts';

export interface NodeServer {
  readonly server: Server;
  /** Requests received (headers read) and not yet answered or abandoned. */
  inFlight(): number;
  /**
   * Stops accepting and closes, at once, every connection with no request in
   * the app (idle keep-alives, requests still sending their headers); lets
   * the requests in flight finish for up to `deadlineMs`, then closes every
   * connection left and resolves.
   */
  drain(deadlineMs: number): Promise<void>;
}

/** node:http in front of the app: reads the body (refusing oversize ones early), hands over, writes back. */
export function createNodeServer(app: HttpApp): NodeServer {
  let draining = false;
  let settled: (() => void) | undefined;
  const sockets = new Set<TrackedSocket>();
  /**
   * Requests received and not yet answered or abandoned: the ones a drain waits for. Counted, here and
   * on each connection, rather than kept in a Set: a long-lived Set that every response passed through
   * made V8 keep about 2 KB a request through each young-generation collection (promoted, then freed
   * by a full one), and each such collection paused the thread for 12-20 ms.
   */
  let inFlight = 0;
  const answers = new AnswerBatch(() => draining);
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const socket = req.socket as TrackedSocket;
    inFlight++;
    socket[IN_APP] = (socket[IN_APP] ?? 0) + 1;
    res.once('close', () => {
      inFlight--;
      socket[IN_APP] = (socket[IN_APP] ?? 1) - 1;
      if (inFlight === 0) settled?.();
    });
    if (draining) res.shouldKeepAlive = false;
    const head = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
    // A request that declares no body has none (RFC 9112, 6.3): it goes to the app at once. Waiting for
    // the stream's end of nothing cost a GET about a sixth of its CPU.
    const body = declaresNoBody(req) ? Promise.resolve('') : readBody(req);
    body.then(
      (body) => {
        const request: HttpRequest = {
          ...head,
          headers: head.headers as HttpRequest['headers'],
          body,
          remoteAddress: req.socket.remoteAddress,
        };
        return app.handle(request).then((response) => answers.send(res, response, req.method === 'HEAD'));
      },
      (error: unknown) => {
        // The client went away mid-body: no one to answer, nothing to log.
        if (!(error instanceof HttpError)) {
          res.destroy();
          return;
        }
        // Stop reading an oversize body: answer and close the connection.
        res.shouldKeepAlive = false;
        const request: HttpRequest = { ...head, headers: head.headers as HttpRequest['headers'], body: '' };
        send(res, app.refuse(request, error), false);
      },
    );
  });
  server.on('clientError', answerClientError);
  server.on('connection', (socket: TrackedSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    server,
    inFlight: () => inFlight,
    async drain(deadlineMs) {
      // From now on every answer goes out with Connection: close (see AnswerBatch).
      draining = true;
      const closed = once(server, 'close');
      server.close();
      // Nothing of theirs reached the app: a client may safely send it again elsewhere.
      for (const socket of sockets) if ((socket[IN_APP] ?? 0) === 0) socket.destroy();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          settled = resolve;
          timer = setTimeout(resolve, deadlineMs);
        });
        clearTimeout(timer);
      }
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Requests a connection has in the app: more than one when its client pipelines. */
const IN_APP = Symbol('requests in the app');
type TrackedSocket = Socket & { [IN_APP]?: number };

function declaresNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

function tooLarge(): HttpError {
  return new HttpError('payload_too_large', `the body is over ${MAX_BODY_BYTES} bytes`);
}

function send(res: ServerResponse, response: HttpResponse, headOnly: boolean): void {
  if (res.headersSent) return;
  if (response.stream !== undefined && !headOnly) {
    sendStream(res, response, response.stream);
    return;
  }
  res.writeHead(response.status, { ...response.headers, 'content-length': Buffer.byteLength(response.body) });
  res.end(headOnly ? undefined : response.body);
}

/**
 * Answers written together, once per turn of the event loop (on
 * `setImmediate`, after the poll phase has read every request that was
 * ready). On loopback and in a VM, a write that finds the client asleep pays
 * for waking it; a burst of writes wakes it once.
 */
class AnswerBatch {
  #queue: Array<{ res: ServerResponse; response: HttpResponse; headOnly: boolean }> = [];
  #scheduled = false;
  /** True once the server drains: each answer then closes its connection. */
  readonly #draining: () => boolean;

  constructor(draining: () => boolean) {
    this.#draining = draining;
  }

  send(res: ServerResponse, response: HttpResponse, headOnly: boolean): void {
    this.#queue.push({ res, response, headOnly });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    const closing = this.#draining();
    for (const { res, response, headOnly } of queue) {
      if (closing) res.shouldKeepAlive = false;
      send(res, response, headOnly);
    }
  }
}

/** Headers now, then whatever the stream writes, until either side ends it. */
function sendStream(res: ServerResponse, response: HttpResponse, stream: ResponseStream): void {
  // The connection is the stream's alone: when either side ends it, it closes (no idle keep-alive left to
  // hold up a shutdown).
  res.writeHead(response.status, { ...response.headers, connection: 'close' });
  res.flushHeaders();
  let stop = (): void => {};
  const end = () => {
    stop();
    res.end();
  };
  res.once('close', () => stop());
  stop = stream.open((chunk) => {
    if (!res.writableEnded) res.write(chunk);
  }, end);
  if (res.destroyed) stop();
}
