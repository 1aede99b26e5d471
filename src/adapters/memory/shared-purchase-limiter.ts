import { type CountingWindow, rateWindows, retryAfterSeconds } from '../../domain/rate-windows.ts';
import type {
  Admission,
  AttemptSource,
  PurchaseLimiter,
  PurchaseLimits,
  Rate,
} from '../../ports/purchase-limiter.ts';
import type { SharedWindows } from './shared-windows.ts';

const ADMITTED: Admission = Object.freeze({ admitted: true });

interface CountedRate {
  readonly space: string;
  readonly steady: CountingWindow;
  readonly burst: CountingWindow | undefined;
}

/**
 * The purchase limits of one process, counted in shared memory: every HTTP
 * thread holds one over the same `SharedWindows` and decides each attempt
 * itself, where it used to ask the main thread's limiter with a message
 * each way. The windows are `rateWindows`'s, the rule rate-limiter-flexible
 * applies in the cluster shape: the steady window first, the burst window
 * only once it is used up. A key the table has no room for is let through
 * (as a limiter whose store fails lets attempts through): the table holds
 * hundreds of thousands of open windows, and a window lasts seconds.
 */
export class SharedPurchaseLimiter implements PurchaseLimiter {
  readonly #windows: SharedWindows;
  readonly #now: () => number;
  readonly #perUser: CountedRate | undefined;
  readonly #perClient: CountedRate | undefined;

  constructor(limits: PurchaseLimits, windows: SharedWindows, now: () => number = Date.now) {
    this.#windows = windows;
    this.#now = now;
    this.#perUser = limits.perUser === undefined ? undefined : countedRate('user', limits.perUser);
    this.#perClient = limits.perClient === undefined ? undefined : countedRate('client', limits.perClient);
  }

  admit(source: AttemptSource): Promise<Admission> {
    const now = this.#now();
    if (this.#perClient !== undefined && source.clientAddress !== undefined) {
      const wait = this.#refusal(this.#perClient, source.clientAddress, now);
      if (wait !== undefined)
        return Promise.resolve({ admitted: false, limit: 'client', retryAfterSeconds: wait });
    }
    if (this.#perUser !== undefined) {
      const wait = this.#refusal(this.#perUser, source.userId, now);
      if (wait !== undefined)
        return Promise.resolve({ admitted: false, limit: 'user', retryAfterSeconds: wait });
    }
    return Promise.resolve(ADMITTED);
  }

  /** Seconds to wait when the key is over its rate, undefined when the attempt counts and may go on. */
  #refusal(rate: CountedRate, key: string, now: number): number | undefined {
    const steady = this.#windows.count(rate.space, key, rate.steady.seconds * 1000, now);
    if (steady === undefined || steady.count <= rate.steady.points) return undefined;
    if (rate.burst === undefined) return retryAfterSeconds(steady.msLeft);
    const burst = this.#windows.count(`${rate.space}-burst`, key, rate.burst.seconds * 1000, now);
    if (burst === undefined || burst.count <= rate.burst.points) return undefined;
    return retryAfterSeconds(Math.min(steady.msLeft, burst.msLeft));
  }
}

function countedRate(space: string, rate: Rate): CountedRate {
  return { space, ...rateWindows(rate) };
}
