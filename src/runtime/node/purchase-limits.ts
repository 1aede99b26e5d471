import { SharedPurchaseLimiter } from '../../adapters/memory/shared-purchase-limiter.ts';
import { SharedWindows, type SharedWindowsBuffers } from '../../adapters/memory/shared-windows.ts';
import type { Config } from '../../config.ts';
import type { Backend } from '../../ports/backend.ts';
import type { PurchaseLimiter, PurchaseLimits } from '../../ports/purchase-limiter.ts';

/** The limits the configuration asks for; undefined when every one is off. */
export function purchaseLimitsOf(config: Config): PurchaseLimits | undefined {
  const perUser =
    config.rateLimitPerSecond > 0
      ? { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst }
      : undefined;
  const perClient =
    config.rateLimitIpPerSecond > 0
      ? { perSecond: config.rateLimitIpPerSecond, burst: 2 * config.rateLimitIpPerSecond }
      : undefined;
  return perUser === undefined && perClient === undefined ? undefined : { perUser, perClient };
}

export interface ProcessPurchaseLimiter {
  readonly limiter: PurchaseLimiter;
  /**
   * Where the counts live when they are this process's own: every HTTP
   * thread counts in the same shared windows (`threadPurchaseLimiter`).
   * Undefined when the backend's store keeps them (cluster: Redis), which the
   * threads then ask through the main thread.
   */
  readonly windows: SharedWindowsBuffers | undefined;
}

/**
 * The server's limiter: shared through the backend's store where the shape
 * has one (cluster: Redis), else counted in this process's shared memory
 * (embedded), once for all its threads. Undefined when every limit is off.
 */
export function openPurchaseLimiter(
  config: Config,
  backend: Pick<Backend, 'sharedPurchaseLimiter'>,
): ProcessPurchaseLimiter | undefined {
  const limits = purchaseLimitsOf(config);
  if (limits === undefined) return undefined;
  const shared = backend.sharedPurchaseLimiter?.(limits);
  if (shared !== undefined) return { limiter: shared, windows: undefined };
  const windows = SharedWindows.allocate();
  return { limiter: countedIn(windows, limits), windows };
}

/**
 * An extra HTTP thread's limiter: its own view of the windows the main
 * thread allocated, else (the counts are in the backend's store) the main
 * thread's limiter, asked by message. Undefined when every limit is off.
 */
export function threadPurchaseLimiter(
  config: Config,
  windows: SharedWindowsBuffers | undefined,
  askMainThread: () => PurchaseLimiter,
): PurchaseLimiter | undefined {
  const limits = purchaseLimitsOf(config);
  if (limits === undefined) return undefined;
  return windows === undefined ? askMainThread() : countedIn(windows, limits);
}

function countedIn(windows: SharedWindowsBuffers, limits: PurchaseLimits): PurchaseLimiter {
  return new SharedPurchaseLimiter(limits, new SharedWindows(windows));
}
