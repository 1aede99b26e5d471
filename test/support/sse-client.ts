import type { DashboardSnapshot } from '../../src/dashboard/snapshot.ts';

export interface SnapshotStream {
  readonly status: number;
  readonly headers: Headers;
  /** Snapshots received so far. */
  readonly received: DashboardSnapshot[];
  /** Resolves when the server ends the stream (or close() aborted it). */
  readonly ended: Promise<void>;
  /** Resolves with the first snapshot (received before or after the call) that `match` accepts. */
  until(match: (snapshot: DashboardSnapshot) => boolean, timeoutMs?: number): Promise<DashboardSnapshot>;
  close(): void;
}

/** Opens the dashboard's Server-Sent Events stream over real HTTP, as the page does (fetch + header). */
export async function openSnapshotStream(
  baseUrl: string,
  token: string | undefined,
): Promise<SnapshotStream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/v1/admin/dashboard/stream`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const received: DashboardSnapshot[] = [];
  const waiters = new Set<() => void>();
  let ended: Promise<void> = Promise.resolve();
  if (response.ok && response.body !== null) {
    ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body!) {
          buffer += decoder.decode(chunk, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n');
            if (block.includes('event: snapshot')) received.push(JSON.parse(data) as DashboardSnapshot);
            for (const wake of waiters) wake();
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  } else {
    await response.text();
  }
  return {
    status: response.status,
    headers: response.headers,
    received,
    ended,
    until(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (found === undefined) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`no matching snapshot in ${timeoutMs} ms; last: ${JSON.stringify(received.at(-1))}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
