import type { DashboardSnapshot } from '../../src/dashboard/snapshot.ts';

export type StreamState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live' }
  | { readonly kind: 'refused'; readonly status: number; readonly message: string }
  | { readonly kind: 'lost'; readonly retryInMs: number };

/**
 * Reads the admin-only Server-Sent Events stream with fetch(), not
 * EventSource: EventSource cannot send an Authorization header, and a token
 * in the URL would end up in logs and history. Reconnects after a drop;
 * stops on 401/403 (a token that will not get better by retrying).
 */
export function watchSnapshots(
  token: string,
  onSnapshot: (snapshot: DashboardSnapshot) => void,
  onState: (state: StreamState) => void,
): () => void {
  const abort = new AbortController();
  let retryMs = 500;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      onState({ kind: 'connecting' });
      try {
        const response = await fetch('/v1/admin/dashboard/stream', {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: abort.signal,
          cache: 'no-store',
        });
        if (response.status === 401 || response.status === 403) {
          const body = (await response.json().catch(() => undefined)) as
            | { error?: { message?: string } }
            | undefined;
          onState({ kind: 'refused', status: response.status, message: body?.error?.message ?? '' });
          return;
        }
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        onState({ kind: 'live' });
        retryMs = 500;
        await readEvents(response.body, (event, data) => {
          if (event === 'snapshot') onSnapshot(JSON.parse(data) as DashboardSnapshot);
        });
      } catch (error) {
        if (abort.signal.aborted) return;
        console.warn('dashboard stream', error);
      }
      onState({ kind: 'lost', retryInMs: retryMs });
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  };
  void run();
  return () => abort.abort();
}

/** Parses the text/event-stream format: blank-line separated events of `event:` and `data:` lines. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
      end = buffer.indexOf('\n\n');
    }
  }
}
