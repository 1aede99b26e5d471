import { FlashSaleError } from '../domain/errors.ts';

/**
 * Runs a store read and turns an infrastructure fault into 503
 * backend_unavailable (retry later), the way a purchase reports one: a store
 * outage is not a bug of ours, and the caller may simply ask again.
 */
export async function readOrUnavailable<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof FlashSaleError) throw error;
    throw new FlashSaleError('backend_unavailable', `${what} did not answer: retry later`, { cause: error });
  }
}
