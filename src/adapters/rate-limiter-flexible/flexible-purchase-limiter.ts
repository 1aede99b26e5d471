import {
  BurstyRateLimiter,
  type IRateLimiterOptions,
  type RateLimiterAbstract,
  RateLimiterRes,
} from 'rate-limiter-flexible';
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
 * the factory makes. A rate is the library's fixed window of `perSecond`
 * points a second (for a rate under one a second: one point per 1/rate
 * seconds), plus, when `burst` is larger, a second window (BurstyRateLimiter)
 * of `burst - perSecond` points over `burst / perSecond` seconds that is
 * drawn on only once the first is used up.
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
    if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    return undefined;
  }
}

function counted(rate: Rate, name: string, make: LimiterFactory): Counted {
  const duration = rate.perSecond >= 1 ? 1 : Math.ceil(1 / rate.perSecond);
  const points = Math.max(1, Math.floor(rate.perSecond * duration));
  const steady = make({ keyPrefix: name, points, duration });
  const extra = Math.floor(rate.burst) - points;
  if (extra <= 0) return steady;
  const burst = make({
    keyPrefix: `${name}-burst`,
    points: extra,
    duration: Math.max(duration, Math.ceil(rate.burst / rate.perSecond)),
  });
  return new BurstyRateLimiter(steady, burst);
}
