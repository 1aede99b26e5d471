import { createHmac, timingSafeEqual } from 'node:crypto';
import { FlashSaleError } from '../domain/errors.ts';
import type { Sale } from '../domain/sale.ts';

/**
 * The anti-bot purchase token (the "hidden purchase URL" of classic seckill
 * systems): an HMAC-SHA256 of the sale id and the shopper id under the
 * server's secret. The sale's page hands it to a signed-in shopper only once
 * the sale is live, so a script cannot fire purchases from before the start
 * without reading the page as that shopper; checking it is one HMAC, no
 * store access.
 */
export class PurchaseTokens {
  readonly #secret: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the purchase-token secret must have at least 32 characters');
    this.#secret = Buffer.from(secret, 'utf8');
  }

  /** The shopper's token for the sale. */
  tokenFor(saleId: string, userId: string): string {
    // Length-prefixed, so no (sale, user) pair reads as another.
    return createHmac('sha256', this.#secret)
      .update(`v1:${saleId.length}:${saleId}:${userId}`)
      .digest('base64url');
  }

  matches(saleId: string, userId: string, token: string): boolean {
    const expected = Buffer.from(this.tokenFor(saleId, userId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * Refuses (403) a purchase of a `purchaseToken` sale without the shopper's
 * token or with a wrong one. `tokens` undefined (a server with no secret)
 * refuses every purchase of such a sale: it cannot tell a right token.
 */
export function checkPurchaseToken(
  tokens: PurchaseTokens | undefined,
  sale: Pick<Sale, 'id' | 'purchaseToken'>,
  userId: string,
  token: string | undefined,
): void {
  if (!sale.purchaseToken) return;
  if (token === undefined || token === '') {
    throw new FlashSaleError(
      'purchase_token_required',
      'this sale needs the X-Purchase-Token header: GET /v1/sales/{id} with your bearer token once the sale is live returns it as yourPurchaseToken',
    );
  }
  if (tokens === undefined || !tokens.matches(sale.id, userId, token)) {
    throw new FlashSaleError(
      'purchase_token_invalid',
      "the X-Purchase-Token is not this shopper's token for this sale: GET /v1/sales/{id} again with your bearer token",
    );
  }
}
