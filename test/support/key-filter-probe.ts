// A worker thread that reads a KeyFilter the test's thread writes: it fetches
// the layers over its port, as an HTTP thread does, and answers probes.
import { parentPort } from 'node:worker_threads';
import { KeyFilterReader } from '../../src/adapters/memory/key-filter.ts';
import type { SharedKeyFilterLayers } from '../../src/ports/shared-key-filter.ts';

const port = parentPort!;
const waiting: Array<(layers: SharedKeyFilterLayers) => void> = [];
const reader = new KeyFilterReader({
  layersFrom: (from) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      port.postMessage({ layersFrom: from });
    }),
});
port.on('message', async (message: { layers?: SharedKeyFilterLayers; probe?: Array<[string, string]> }) => {
  if (message.layers !== undefined) waiting.shift()?.(message.layers);
  if (message.probe !== undefined) {
    await reader.load();
    port.postMessage({ absent: message.probe.map(([user, key]) => reader.certainlyAbsent(user, key)) });
  }
});
