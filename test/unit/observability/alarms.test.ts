import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import type { AlarmRule } from '../../../src/observability/alarm-rules.ts';
import { alarmWebhook } from '../../../src/observability/alarm-webhook.ts';
import { Alarms, type AlarmTransition } from '../../../src/observability/alarms.ts';
import { foldHttp } from '../../../src/observability/http-fold.ts';
import type { Logger, LogLevel } from '../../../src/ports/logger.ts';
import { ManualClock } from '../../support/manual-clock.ts';

function captureLogger(): Logger & { lines: { level: LogLevel; message: string; fields?: unknown }[] } {
  const lines: { level: LogLevel; message: string; fields?: unknown }[] = [];
  return {
    lines,
    log: (level, message, fields) => lines.push({ level, message, fields }),
    enabled: () => true,
  };
}

/** A real HTTP server that keeps every JSON body POSTed to it. */
async function webhookReceiver(): Promise<{ url: string; bodies: AlarmTransition[]; server: Server }> {
  const bodies: AlarmTransition[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      bodies.push(JSON.parse(text) as AlarmTransition);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/alarms`, bodies, server };
}

describe('alarms', () => {
  let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
  beforeAll(async () => {
    receiver = await webhookReceiver();
  });
  afterAll(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));

  it('goes OK -> ALARM -> OK on the default rule (5XX > 50 in 60 s), logging and posting each change', async () => {
    const config = loadConfig([], { ALARM_WEBHOOK_URL: receiver.url });
    expect(config.alarms).toEqual([
      {
        name: 'http-5xx',
        metric: 'http_5xx',
        statistic: 'sum',
        periodSeconds: 60,
        threshold: 50,
        evaluationPeriods: 1,
        comparison: '>',
        actions: ['log', 'webhook'],
      },
    ]);
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const logger = captureLogger();
    const alarms = new Alarms({
      rules: config.alarms,
      clock,
      logger,
      webhook: alarmWebhook(receiver.url, logger),
    });
    expect(alarms.states()).toMatchObject([{ name: 'http-5xx', state: 'OK', alarming: false }]);

    // First minute: exactly 50 server errors (not more than 50) and plenty of good answers: stays OK.
    for (let i = 0; i < 50; i++) alarms.recordHttp(503, 0.001);
    for (let i = 0; i < 500; i++) alarms.recordHttp(200, 0.001);
    clock.advance(60_000);
    await alarms.tick();
    expect(alarms.states()[0]).toMatchObject({ state: 'OK', lastValue: 50 });
    expect(receiver.bodies).toEqual([]);

    // Second minute: 51 of them: ALARM.
    for (let i = 0; i < 51; i++) alarms.recordHttp(500, 0.002);
    clock.advance(60_000);
    await alarms.tick();
    expect(alarms.states()[0]).toMatchObject({ state: 'ALARM', alarming: true, lastValue: 51 });
    expect(receiver.bodies).toEqual([
      expect.objectContaining({
        alarm: 'http-5xx',
        state: 'ALARM',
        previousState: 'OK',
        value: 51,
        threshold: 50,
        metric: 'http_5xx',
      }),
    ]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'alarm ALARM' }));

    // A quiet minute: back to OK.
    clock.advance(60_000);
    await alarms.tick();
    expect(alarms.states()[0]).toMatchObject({ state: 'OK', lastValue: 0 });
    expect(receiver.bodies.map((b) => [b.previousState, b.state])).toEqual([
      ['OK', 'ALARM'],
      ['ALARM', 'OK'],
    ]);
    expect(logger.lines.filter((l) => l.message.startsWith('alarm ')).map((l) => l.message)).toEqual([
      'alarm ALARM',
      'alarm OK',
    ]);
  });

  it('needs every one of evaluationPeriods to breach, and reads sampled gauges at each tick', async () => {
    const rule: AlarmRule = {
      name: 'queue-age',
      metric: 'queue_oldest_age_seconds',
      statistic: 'maximum',
      periodSeconds: 10,
      threshold: 30,
      evaluationPeriods: 2,
      comparison: '>=',
      actions: ['log'],
    };
    const clock = new ManualClock(1_000_000);
    let age = 45;
    const alarms = new Alarms({
      rules: [rule],
      clock,
      logger: captureLogger(),
      sample: async (metrics) => {
        expect([...metrics]).toEqual(['queue_oldest_age_seconds']);
        return { queue_oldest_age_seconds: age };
      },
    });
    const period = async (value: number) => {
      age = value;
      clock.advance(5_000);
      await alarms.tick();
      clock.advance(5_000);
      await alarms.tick();
      return alarms.states()[0]!.state;
    };
    expect(await period(45)).toBe('OK'); // one breaching period of two
    expect(await period(31)).toBe('ALARM');
    expect(await period(10)).toBe('OK');
    expect(await period(30)).toBe('OK');
    expect(await period(30)).toBe('ALARM');
  });

  it('does not breach an average over a period without data, and folds answers from other threads', async () => {
    const clock = new ManualClock(0);
    const alarms = new Alarms({
      rules: [
        {
          name: 'slow',
          metric: 'http_latency_ms',
          statistic: 'average',
          periodSeconds: 1,
          threshold: 100,
          evaluationPeriods: 1,
          comparison: '>',
          actions: ['log'],
        },
        {
          name: 'errors',
          metric: 'http_5xx',
          statistic: 'sum',
          periodSeconds: 1,
          threshold: 2,
          evaluationPeriods: 1,
          comparison: '>',
          actions: ['log'],
        },
      ],
      clock,
      logger: captureLogger(),
    });
    clock.advance(1_000);
    await alarms.tick();
    expect(alarms.states().map((s) => [s.state, s.lastValue])).toEqual([
      ['OK', undefined],
      ['OK', 0],
    ]);
    const sent: Parameters<Alarms['recordHttpSummary']>[0][] = [];
    const fold = foldHttp((summary) => sent.push(summary), 5);
    fold.observe(500, 0.2);
    fold.observe(502, 0.3);
    fold.observe(503, 0.4);
    fold.observe(404, 0.001);
    while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    fold.stop();
    expect(sent).toEqual([
      {
        requests: 4,
        clientErrors: 1,
        serverErrors: 3,
        latencyMs: {
          sum: expect.closeTo(901, 6),
          count: 4,
          min: expect.closeTo(1, 6),
          max: expect.closeTo(400, 6),
        },
      },
    ]);
    // As the main thread receives it from an extra HTTP thread.
    alarms.recordHttpSummary(sent[0]!);
    clock.advance(1_000);
    await alarms.tick();
    expect(alarms.states().map((s) => [s.state, s.lastValue])).toEqual([
      ['ALARM', expect.closeTo(225.25, 6)],
      ['ALARM', 3],
    ]);
  });

  it('refuses alarm rules that cannot work, naming ALARMS', () => {
    expect(() => loadConfig([], { ALARMS: 'not json' })).toThrow(/ALARMS: not valid JSON/);
    expect(() =>
      loadConfig([], {
        ALARMS: JSON.stringify([
          { name: 'x', metric: 'cpu', statistic: 'sum', periodSeconds: 60, threshold: 1, comparison: '>' },
        ]),
      }),
    ).toThrow(/ALARMS: 0\.metric/);
    const withWebhook = JSON.stringify([
      {
        name: 'x',
        metric: 'dead_letters',
        statistic: 'maximum',
        periodSeconds: 60,
        threshold: 0,
        comparison: '>',
        actions: ['webhook'],
      },
    ]);
    expect(() => loadConfig([], { ALARMS: withWebhook })).toThrow(ConfigError);
    expect(() => loadConfig([], { ALARMS: withWebhook })).toThrow(/ALARM_WEBHOOK_URL is not set/);
    expect(loadConfig([], { ALARMS: '[]' }).alarms).toEqual([]);
    expect(
      loadConfig([], { ALARMS: withWebhook, ALARM_WEBHOOK_URL: 'http://hooks.internal/x' }).alarms[0],
    ).toMatchObject({ evaluationPeriods: 1, actions: ['webhook'] });
  });
});
