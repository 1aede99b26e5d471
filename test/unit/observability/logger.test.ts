import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.ts';

function capture(level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => lines.push(line) } });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('the pino logger', () => {
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
});
