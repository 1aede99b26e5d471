export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely in tests
  readonly json: any;
  readonly text: string;
}

export interface ApiCall {
  readonly method?: string;
  readonly token?: string;
  /** An object is sent as JSON; a string is sent as is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** One request over real HTTP. */
export async function api(baseUrl: string, path: string, call: ApiCall = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method: call.method ?? 'GET', headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T>(limit: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  });
  await Promise.all(lanes);
  return results;
}
