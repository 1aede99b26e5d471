// A worker thread that counts purchase attempts in windows another thread
// allocated, as an HTTP thread does: it makes `attempts` attempts as one
// shopper, all at the same instant, and reports how many were admitted.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedPurchaseLimiter } from '../../src/adapters/memory/shared-purchase-limiter.ts';
import { SharedWindows, type SharedWindowsBuffers } from '../../src/adapters/memory/shared-windows.ts';
import type { PurchaseLimits } from '../../src/ports/purchase-limiter.ts';

const { buffers, limits, attempts, now, go } = workerData as {
  buffers: SharedWindowsBuffers;
  limits: PurchaseLimits;
  attempts: number;
  now: number;
  /** Every probe waits on it, so that they all count at once. */
  go: SharedArrayBuffer;
};
const limiter = new SharedPurchaseLimiter(limits, new SharedWindows(buffers), () => now);
const start = new Int32Array(go);
parentPort!.postMessage('ready');
Atomics.wait(start, 0, 0);
let admitted = 0;
for (let i = 0; i < attempts; i++) {
  if ((await limiter.admit({ userId: 'alice', clientAddress: undefined })).admitted) admitted++;
}
parentPort!.postMessage({ admitted });
