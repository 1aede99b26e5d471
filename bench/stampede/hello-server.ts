/**
 * The baseline: a bare node:http server that answers every request with a
 * fixed JSON body (it reads nothing: the request body is discarded), in N processes that share one
 * port through SO_REUSEPORT (the kernel spreads connections over them).
 *
 *   node bench/stampede/hello-server.ts --port 4000 --processes 2
 * prints `listening` on stdout once every process accepts connections.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    processes: { type: 'string', default: '1' },
    child: { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
const body = Buffer.from('{"hello":"world"}');

if (values.child) {
  createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    response.end(body);
  }).listen({ port, host: '127.0.0.1', reusePort: true }, () => process.send?.('listening'));
  // The parent gone (even killed outright), a worker has no one to answer to.
  process.on('disconnect', () => process.exit(0));
} else {
  const children = Array.from({ length: Number(values.processes) }, () =>
    fork(new URL(import.meta.url).pathname, ['--child', '--port', String(port)]),
  );
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
  process.stdout.write('listening\n');
  const stop = () => {
    for (const child of children) child.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
