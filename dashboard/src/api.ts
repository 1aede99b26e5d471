/** The admin routes the page calls, with the admin token. */
export interface DeadLetterJson {
  readonly id: string;
  readonly topic: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: string;
}

export interface NewSaleJson {
  readonly sku: string;
  readonly name: string;
  readonly stock: number;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly perUserLimit: number;
  readonly priceCents: number;
  readonly currency: string;
  readonly paymentWindowSeconds: number;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export function adminApi(token: string) {
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!response.ok) {
      const code = json.error?.code ?? `HTTP ${response.status}`;
      throw new ApiError(response.status, `${code}: ${json.error?.message ?? response.statusText}`);
    }
    return json as T;
  }
  return {
    createSale: (sale: NewSaleJson) => call<{ id: string; name: string }>('POST', '/v1/sales', sale),
    deadLetters: () => call<{ deadLetters: DeadLetterJson[] }>('GET', '/v1/admin/dead-letters'),
    redrive: (id: string) =>
      call<unknown>('POST', `/v1/admin/dead-letters/${encodeURIComponent(id)}/redrive`),
  };
}
