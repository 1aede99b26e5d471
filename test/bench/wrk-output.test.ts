import { describe, expect, it } from 'vitest';
import { parseScriptResult } from '../../bench/stampede/wrk-load.ts';
import { parseWrkOutput } from '../../bench/stampede/wrk-output.ts';

// Printed by wrk 4.1.0 with --latency, ended with SIGINT.
const CLEAN = `Running 1m test @ http://127.0.0.1:4555/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.79ms   11.08ms 149.93ms   96.12%
    Req/Sec     7.67k     2.99k   14.81k    67.74%
  Latency Distribution
     50%    3.46ms
     75%    5.31ms
     90%    9.08ms
     99%   57.22ms
  47577 requests in 3.13s, 7.80MB read
Requests/sec:  15220.04
Transfer/sec:      2.50MB
`;

const WITH_ERRORS = `Running 1h test @ http://127.0.0.1:4000/v1/sales/x/purchase
  2 threads and 256 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.40us    1.20ms    1.02s    98.00%
    Req/Sec    30.01k     2.00k   35.00k    70.00%
  Latency Distribution
     50%  650.00us
     75%  900.00us
     90%    1.50ms
     99%    2.10s
  1800000 requests in 1.00m, 400.00MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 1700000
Requests/sec:  30000.00
Transfer/sec:      6.67MB
`;

describe('parseWrkOutput', () => {
  it('reads the percentiles, the maximum, the count and the run time in milliseconds and seconds', () => {
    expect(parseWrkOutput(CLEAN)).toEqual({
      requests: 47577,
      seconds: 3.13,
      latencyMs: { p50: 3.46, p90: 9.08, p99: 57.22, max: 149.93, mean: 5.79 },
      socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
    });
  });

  it('converts microseconds, seconds and minutes, and reads the socket errors with the timeouts', () => {
    const summary = parseWrkOutput(WITH_ERRORS);
    expect(summary.requests).toBe(1_800_000);
    expect(summary.seconds).toBe(60);
    expect(summary.latencyMs.p50).toBeCloseTo(0.65);
    expect(summary.latencyMs.mean).toBeCloseTo(0.8124);
    expect(summary.latencyMs.p99).toBe(2100);
    expect(summary.latencyMs.max).toBe(1020);
    expect(summary.socketErrors).toEqual({ connect: 1, read: 2, write: 3, timeout: 4 });
  });

  it('refuses output without a summary, naming what is missing', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:4000 Connection refused')).toThrow(
      /latency stats/,
    );
  });
});

describe('parseScriptResult', () => {
  it('reads the counts and order ids the Lua script wrote in done()', () => {
    const text = [
      'order 0193-a',
      'order 0193-b',
      'status 201 2',
      'status 409 5',
      'outcome reserved 2',
      'outcome sold_out 5',
      '',
    ].join('\n');
    expect(parseScriptResult(text)).toEqual({
      statuses: { '201': 2, '409': 5 },
      outcomes: { reserved: 2, sold_out: 5 },
      orderIds: ['0193-a', '0193-b'],
    });
  });
});
