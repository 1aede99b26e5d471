import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * How the server finds a request's body on the wire: a request that declares
 * none (no Content-Length, no Transfer-Encoding, or a length of 0) goes to
 * the app at once, every other body is read to its end. Written as raw bytes,
 * several requests on one connection, so a body read too early or too late
 * shows up as a wrong answer to the next request.
 */
describe('request framing', () => {
  let server: TestServer;
  let shopper: string;
  let saleId: string;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--rate-limit-per-second', '0'] });
    shopper = await server.token('framing');
    saleId = (await server.createSale({ stock: 10, perUserLimit: 5 })).id;
  });
  afterAll(() => server.close());

  /** Writes `raw` on one connection (in `pieces`, a pause between each) and reads `count` answers. */
  function exchange(raw: string[], count: number): Promise<Array<{ status: number; body: string }>> {
    const url = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let received = '';
      const answers: Array<{ status: number; body: string }> = [];
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
        for (;;) {
          const end = received.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = received.slice(0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (received.length < end + 4 + length) break;
          answers.push({
            status: Number(head.split(' ')[1]),
            body: received.slice(end + 4, end + 4 + length),
          });
          received = received.slice(end + 4 + length);
        }
        if (answers.length === count) {
          socket.end();
          resolve(answers);
        }
      });
      socket.on('error', reject);
      socket.on('connect', async () => {
        for (const piece of raw) {
          socket.write(piece);
          await new Promise((wait) => setTimeout(wait, 20));
        }
      });
    });
  }

  const host = () => `Host: ${new URL(server.url).host}`;
  const purchaseHead = (framing: string) =>
    `POST /v1/sales/${saleId}/purchase HTTP/1.1\r\n${host()}\r\nAuthorization: Bearer ${shopper}\r\n` +
    `Content-Type: application/json\r\n${framing}\r\n`;

  it('answers GETs without a body and reads the POST after them on the same connection', async () => {
    const body = '{"quantity":1,"idempotencyKey":"framing-1"}';
    const answers = await exchange(
      [
        `GET /healthz HTTP/1.1\r\n${host()}\r\n\r\n` +
          `GET /v1/sales/${saleId} HTTP/1.1\r\n${host()}\r\n\r\n` +
          `${purchaseHead(`Content-Length: ${body.length}\r\n`)}${body}`,
      ],
      3,
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 201]);
    expect(JSON.parse(answers[1]!.body).id).toBe(saleId);
    expect(JSON.parse(answers[2]!.body).quantity).toBe(1);
  });

  it('reads a body sent in pieces and a chunked body to their ends', async () => {
    const body = '{"quantity":2,"idempotencyKey":"framing-2"}';
    const chunked = '{"quantity":1,"idempotencyKey":"framing-3"}';
    const answers = await exchange(
      [
        `${purchaseHead(`Content-Length: ${body.length}\r\n`)}${body.slice(0, 10)}`,
        body.slice(10),
        `${purchaseHead('Transfer-Encoding: chunked\r\n')}${(10).toString(16)}\r\n${chunked.slice(0, 10)}\r\n`,
        `${(chunked.length - 10).toString(16)}\r\n${chunked.slice(10)}\r\n0\r\n\r\n`,
      ],
      2,
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(answers.map((a) => JSON.parse(a.body).quantity)).toEqual([2, 1]);
  });

  it('takes a POST with Content-Length: 0 as an empty body, and the connection goes on', async () => {
    const answers = await exchange(
      [`${purchaseHead('Content-Length: 0\r\n')}GET /healthz HTTP/1.1\r\n${host()}\r\n\r\n`],
      2,
    );
    expect(answers.map((a) => a.status)).toEqual([400, 200]);
    expect(JSON.parse(answers[0]!.body).error.code).toBe('invalid_json');
    // Nothing was reserved by the refused request: the others took 4 units of 10.
    const sale = await api(server.url, `/v1/sales/${saleId}`);
    expect(sale.json.available).toBe(6);
  });
});
