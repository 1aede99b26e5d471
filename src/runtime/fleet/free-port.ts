import { createServer } from 'node:net';

/** A TCP port the OS just handed out and released again, for servers that cannot be told to take port 0. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether `port` can be bound without SO_REUSEPORT. Also false while other
 * sockets share it with SO_REUSEPORT: API processes bound there would
 * silently join someone else's server.
 */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
