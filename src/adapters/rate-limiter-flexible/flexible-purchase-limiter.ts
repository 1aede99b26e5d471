import {
  BurstyRateLimiter,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { rateWindows, retryAfterSeconds } from '../../domain/rate-windows.ts';
import type {
  Admission,
  AttemptSource,
  PurchaseLimiter,
  PurchaseLimits,
  Rate,
} from '../../ports/purchase-limiter.ts';

/** Makes one of the library's limiters (memory, Redis...) with these options. */
export type LimiterFactory = (
  options: Required<Pick<IRateLimiterOptions, 'keyPrefix' | 'points' | 'duration'>>,
) => RateLimiterAbstract;

interface Counted {
  readonly consume: (key: string) => Promise<RateLimiterRes>;
}

/**
 * The purchase limits on rate-limiter-flexible, over whichever of its stores
 * the factory makes. A rate is counted in the library's fixed windows as
 * `rateWindows` lays them out; the burst window is its BurstyRateLimiter.
 */
export class FlexiblePurchaseLimiter implements PurchaseLimiter {
  readonly #perUser: Counted | undefined;
  readonly #perClient: Counted | undefined;

  constructor(limits: PurchaseLimits, make: LimiterFactory) {
    this.#perUser = limits.perUser === undefined ? undefined : counted(limits.perUser, 'user', make);
    this.#perClient = limits.perClient === undefined ? undefined : counted(limits.perClient, 'client', make);
  }

  async admit(source: AttemptSource): Promise<Admission> {
    if (this.#perClient !== undefined && source.clientAddress !== undefined) {
      const refused = await refusal(this.#perClient, source.clientAddress);
      if (refused !== undefined) return { admitted: false, limit: 'client', retryAfterSeconds: refused };
    }
    if (this.#perUser !== undefined) {
      const refused = await refusal(this.#perUser, source.userId);
      if (refused !== undefined) return { admitted: false, limit: 'user', retryAfterSeconds: refused };
    }
    return { admitted: true };
  }
}

/** Seconds to wait when the key is over its rate, undefined when the attempt counts and may go on. */
async function refusal(limiter: Counted, key: string): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (rejection) {
    // The library rejects with a RateLimiterRes when over the limit, with an Error when its store failed
    // (and there is no insurance limiter): let the attempt through rather than refuse everyone.
    if (rejection instanceof RateLimiterRes) return retryAfterSeconds(rejection.msBeforeNext);
    return undefined;
  }
}

function counted(rate: Rate, name: string, make: LimiterFactory): Counted {
  const windows = rateWindows(rate);
  const steady = make({ keyPrefix: name, points: windows.steady.points, duration: windows.steady.seconds });
  if (windows.burst === undefined) return steady;
  const burst = make({
    keyPrefix: `${name}-burst`,
    points: windows.burst.points,
    duration: windows.burst.seconds,
  });
  return new BurstyRateLimiter(steady, burst);
}
