/**
 * How a rate of purchase attempts is counted: in fixed windows, each opened
 * by the first attempt after the last one ended. Pure arithmetic, the same
 * for every store the counts live in.
 */

/** At most `points` attempts in a window of `seconds`. */
export interface CountingWindow {
  readonly points: number;
  readonly seconds: number;
}

/**
 * A rate of `perSecond` attempts a second, `burst` at most: a window of
 * `perSecond` points a second (for a rate under one a second: one point per
 * 1/rate seconds), plus, when `burst` is larger, a second window of
 * `burst - perSecond` points over `burst / perSecond` seconds that is drawn
 * on only once the first is used up.
 */
export function rateWindows(rate: { readonly perSecond: number; readonly burst: number }): {
  readonly steady: CountingWindow;
  readonly burst: CountingWindow | undefined;
} {
  const seconds = rate.perSecond >= 1 ? 1 : Math.ceil(1 / rate.perSecond);
  const points = Math.max(1, Math.floor(rate.perSecond * seconds));
  const extra = Math.floor(rate.burst) - points;
  return {
    steady: { points, seconds },
    burst:
      extra <= 0
        ? undefined
        : { points: extra, seconds: Math.max(seconds, Math.ceil(rate.burst / rate.perSecond)) },
  };
}

/** Whole seconds to wait before a window has room again (at least 1), as Retry-After says it. */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}
