import type { JSONWebKeySet } from 'jose';
import type { SharedWindowsBuffers } from '../../../adapters/memory/shared-windows.ts';
import type { Config } from '../../../config.ts';

export const THREAD_LISTENING = 'http-thread:listening';
/** Asks a thread (HTTP or order worker) to wind down and exit. */
export const THREAD_STOP = 'thread:stop';
/** The order worker thread opened its store and started. */
export const WORKER_STARTED = 'order-worker-thread:started';

/** Config as it crosses to a thread (structured clone has no URL). */
export type ThreadConfig = Omit<Config, 'remoteAuth'> & {
  readonly remoteAuth:
    | { readonly jwksUrl: string; readonly issuer: string; readonly clientIds: readonly string[] }
    | undefined;
};

export interface HttpThreadData {
  readonly config: ThreadConfig;
  readonly port: number;
  readonly localJwks: JSONWebKeySet | undefined;
  /** Serve GraphQL, its subscriptions fed by the main thread's `orderFeed` relay. */
  readonly graphql: boolean;
  /** Read the ledger's used keys from shared memory (the main thread's `usedKeys`). */
  readonly usedKeys: boolean;
  /** The purchase limits' shared counts; undefined: ask the main thread's limiter. */
  readonly limiterWindows: SharedWindowsBuffers | undefined;
}

export interface OrderWorkerThreadData {
  readonly config: ThreadConfig;
}

export function configForThread(config: Config): ThreadConfig {
  const { remoteAuth } = config;
  return {
    ...config,
    remoteAuth: remoteAuth === undefined ? undefined : { ...remoteAuth, jwksUrl: remoteAuth.jwksUrl.href },
  };
}

export function configFromThread(config: ThreadConfig): Config {
  const { remoteAuth } = config;
  return {
    ...config,
    remoteAuth:
      remoteAuth === undefined ? undefined : { ...remoteAuth, jwksUrl: new URL(remoteAuth.jwksUrl) },
  };
}
