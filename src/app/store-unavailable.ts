import { FlashSaleError } from '../domain/errors.ts';

/**
 * Runs a store call and turns an infrastructure fault into 503
 * backend_unavailable, the way a purchase reports one: a store outage is not
 * a bug of ours, and the caller may simply ask again. For a write the fault
 * says nothing of whether it was applied (a script may have run and its
 * reply been lost), so only a write whose retry is safe may go through here,
 * with `advice` saying so.
 */
export async function readOrUnavailable<T>(
  what: string,
  read: () => Promise<T>,
  advice = 'retry later',
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof FlashSaleError) throw error;
    throw new FlashSaleError('backend_unavailable', `${what} did not answer: ${advice}`, { cause: error });
  }
}
