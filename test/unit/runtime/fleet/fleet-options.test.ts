import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetUsageError, parseFleetArgs } from '../../../../src/runtime/fleet/fleet-options.ts';

describe('parseFleetArgs', () => {
  it('starts 2 API processes on port 3000 and one worker, data in ./data/fleet, with a demo sale', () => {
    expect(parseFleetArgs([])).toEqual({
      apis: 2,
      workers: 1,
      port: 3000,
      host: '127.0.0.1',
      dataDir: resolve('data/fleet'),
      fresh: false,
      demoSale: true,
    });
  });

  it('takes --api, --workers, --port, --data-dir, --fresh and --no-demo-sale', () => {
    expect(
      parseFleetArgs([
        '--api',
        '4',
        '--workers',
        '3',
        '--port',
        '0',
        '--data-dir',
        '/tmp/f',
        '--fresh',
        '--no-demo-sale',
      ]),
    ).toEqual({
      apis: 4,
      workers: 3,
      port: 0,
      host: '127.0.0.1',
      dataDir: '/tmp/f',
      fresh: true,
      demoSale: false,
    });
  });

  it('names the flag that is wrong', () => {
    expect(() => parseFleetArgs(['--api', '0'])).toThrow(
      new FleetUsageError('--api takes a whole number from 1 to 32, not "0"'),
    );
    expect(() => parseFleetArgs(['--workers', '1.5'])).toThrow(/--workers takes a whole number/);
    expect(() => parseFleetArgs(['--port', '70000'])).toThrow(/--port takes a whole number from 0 to 65535/);
    expect(() => parseFleetArgs(['--colour', 'red'])).toThrow(FleetUsageError);
  });
});
