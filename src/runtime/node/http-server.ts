import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorResponse, type HttpApp } from '../../http/http-app.ts';
import { HttpError } from '../../http/http-error.ts';
import {
  type HttpRequest,
  type HttpResponse,
  MAX_BODY_BYTES,
  type ResponseStream,
} from '../../http/types.ts';

/** node:http in front of the app: reads the body (refusing oversize ones early), hands over, writes back. */
export function createNodeServer(app: HttpApp): Server {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    readBody(req).then(
      (body) => {
        const request: HttpRequest = {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers as Record<string, string | undefined>,
          body,
        };
        return app.handle(request).then((response) => send(res, response, req.method === 'HEAD'));
      },
      (error: unknown) => {
        // Stop reading an oversize body: answer and close the connection.
        res.shouldKeepAlive = false;
        send(res, errorResponse(error), false);
      },
    );
  });
  return server;
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
