import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openEmbeddedBackend } from '../../src/shapes/embedded.ts';
import { describeBackendConformance } from './backend-suite.ts';

describeBackendConformance('embedded (SQLite in memory)', async () =>
  openEmbeddedBackend({ path: ':memory:', durability: 'normal' }),
);

const dir = mkdtempSync(join(tmpdir(), 'flashsale-conformance-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeBackendConformance('embedded (SQLite file, WAL, synchronous FULL)', async () =>
  openEmbeddedBackend({ path: join(dir, `store-${files++}.db`), durability: 'full' }),
);
