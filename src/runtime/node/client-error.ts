import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorResponse } from '../../http/http-app.ts';
import { HttpError } from '../../http/http-error.ts';
import { REQUEST_ID_HEADER } from '../../http/request-id.ts';

/**
 * Answers a request node:http could not parse (headers over its limit, a
 * malformed request line, bytes that are not HTTP/1.1, a request sent too
 * slowly) with the API's error body: node's own answer is a bare status line
 * that breaks the `{error:{code,message}}` promise. The request never reached
 * the app, so it has no route and is not counted; the connection is closed,
 * since what follows on it cannot be trusted to start a request.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const response = errorResponse(refusalOf(error.code));
  // No body after a HEAD, or the client reads it as the start of another answer.
  const body = isHead(error) ? '' : response.body;
  const head = [
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status]}`,
    ...Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`),
    `content-length: ${Buffer.byteLength(response.body)}`,
    `${REQUEST_ID_HEADER}: ${randomUUID()}`,
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function refusalOf(code: string | undefined): HttpError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpError(
        'headers_too_large',
        `send the request line and headers in under ${maxHeaderSize} bytes`,
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpError('payload_too_large', 'the chunk extensions are too long');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpError('request_timeout', 'the request took too long to arrive: send it again, whole');
    default:
      return new HttpError(
        'malformed_request',
        'the request is not valid HTTP/1.1: check its request line and headers',
      );
  }
}

/** Whether the bytes node could not parse begin a HEAD request. */
function isHead(error: NodeJS.ErrnoException & { rawPacket?: unknown }): boolean {
  return Buffer.isBuffer(error.rawPacket) && error.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
}
