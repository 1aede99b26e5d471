import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '../../test/support/http-client.ts';

/** GET /v1/sales/{id}/audit, the fields the stampede reads. */
export interface Audit {
  readonly ok: boolean;
  readonly initial: number;
  readonly available: number;
  readonly held: number;
  readonly paid: number;
  readonly reservations: number;
  readonly ordersPending: number;
  readonly violations: readonly unknown[];
}

/** The sale's audit once the order worker has no order left to make (or after two minutes). */
export async function auditOnceSettled(
  url: string,
  saleId: string,
  admin: string,
  say: (line: string) => void,
): Promise<Audit> {
  for (let waited = 0; ; waited += 500) {
    const audit = (await api(url, `/v1/sales/${saleId}/audit`, { token: admin })).json as Audit;
    if (audit.ordersPending === 0 || waited >= 120_000) return audit;
    say(`  orders pending: ${audit.ordersPending}`);
    await sleep(500);
  }
}
