import { describe, expect, it } from 'vitest';
import { createJsonLineLogger } from '../../../src/observability/json-line-logger.ts';
import type { LineSink, LogThreshold } from '../../../src/observability/log-records.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import type { Logger } from '../../../src/ports/logger.ts';

type LoggerFactory = (options: { level: LogThreshold; destination: LineSink }) => Logger;

/** Pino on Node, the pino-free one on Lambda: the same records either way. */
const LOGGERS: Array<[string, LoggerFactory]> = [
  ['the pino logger (Node)', (options) => createLogger(options)],
  ['the JSON-line logger (Lambda)', (options) => createJsonLineLogger(options)],
];

describe.each(LOGGERS)('%s', (_name, create) => {
  function capture(level: LogThreshold = 'debug') {
    const lines: string[] = [];
    const logger = create({ level, destination: { write: (line: string) => lines.push(line) } });
    return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  }

  it('writes one JSON object a line with a readable level, ISO time and the message', () => {
    const { logger, records } = capture();
    logger.log('warn', 'order event failed', { orderId: 'o-1', attempts: 2 });
    expect(records()).toEqual([
      {
        level: 'warn',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        pid: process.pid,
        message: 'order event failed',
        orderId: 'o-1',
        attempts: 2,
      },
    ]);
  });

  it('redacts tokens, cookies and contact details wherever the usual names put them', () => {
    const { logger, records } = capture();
    logger.log('info', 'request', {
      headers: {
        authorization: 'Bearer eyJsecret',
        cookie: 'sid=1',
        'x-purchase-token': 'pt-1',
        accept: '*/*',
      },
      token: 'tok-1',
      user: { email: 'ann@example.com', phone: '+331234', id: 'ann' },
      payment: { token: 'card-tok' },
    });
    const [record] = records();
    expect(record).toMatchObject({
      headers: {
        authorization: '[redacted]',
        cookie: '[redacted]',
        'x-purchase-token': '[redacted]',
        accept: '*/*',
      },
      token: '[redacted]',
      user: { email: '[redacted]', phone: '[redacted]', id: 'ann' },
      payment: { token: '[redacted]' },
    });
    const text = JSON.stringify(record);
    for (const secret of ['eyJsecret', 'sid=1', 'pt-1', 'tok-1', 'ann@example.com', '+331234', 'card-tok']) {
      expect(text).not.toContain(secret);
    }
  });

  it('writes an error with its name, message and stack, and drops what is below the level', () => {
    const { logger, records } = capture('info');
    expect(logger.enabled('debug')).toBe(false);
    expect(logger.enabled('info')).toBe(true);
    logger.log('debug', 'not written');
    logger.log('error', 'request failed', { error: new RangeError('disk on fire') });
    expect(records()).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'request failed',
        error: expect.objectContaining({
          type: 'RangeError',
          message: 'disk on fire',
          stack: expect.stringContaining('RangeError: disk on fire'),
        }),
      }),
    ]);
    const silent = capture('silent');
    silent.logger.log('error', 'nothing');
    expect(silent.records()).toEqual([]);
  });

  it("writes an error's code and cause, and a record with a cycle, without throwing", () => {
    const { logger, records } = capture();
    const cause = new Error('socket hang up');
    logger.log('error', 'store call failed', {
      error: Object.assign(new Error('ledger unavailable', { cause }), { code: 'ECONNRESET' }),
    });
    const looped: Record<string, unknown> = { name: 'loop' };
    looped.self = looped;
    logger.log('warn', 'odd fields', { looped, count: 3 });
    const [failure, odd] = records();
    expect(failure!.error).toMatchObject({
      type: 'Error',
      message: 'ledger unavailable: socket hang up',
      code: 'ECONNRESET',
      stack: expect.stringMatching(/ledger unavailable[\s\S]*caused by: Error: socket hang up/),
    });
    expect(odd).toMatchObject({ message: 'odd fields', count: 3, looped: { name: 'loop' } });
    expect(JSON.stringify(odd)).toContain('"[Circular]"');
  });

  it('leaves the fields it was given as they were', () => {
    const { logger } = capture();
    const headers = { authorization: 'Bearer eyJsecret', accept: '*/*' };
    logger.log('info', 'request', { headers, token: 't' });
    expect(headers.authorization).toBe('Bearer eyJsecret');
  });
});
