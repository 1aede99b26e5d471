import { describe, expect, it } from 'vitest';
import { checkPurchaseToken, PurchaseTokens } from '../../../src/app/purchase-tokens.ts';

const tokens = new PurchaseTokens('a-secret-of-at-least-thirty-two-characters');

describe('purchase tokens', () => {
  it('are one per sale and shopper, and depend on the secret', () => {
    const t = tokens.tokenFor('sale-1', 'ann');
    expect(tokens.matches('sale-1', 'ann', t)).toBe(true);
    expect(tokens.matches('sale-1', 'bob', t)).toBe(false);
    expect(tokens.matches('sale-2', 'ann', t)).toBe(false);
    expect(
      new PurchaseTokens('another-secret-of-at-least-thirty-two-chars').matches('sale-1', 'ann', t),
    ).toBe(false);
    // The length prefix keeps ("a:b", "c") and ("a", "b:c") apart.
    expect(tokens.tokenFor('a:b', 'c')).not.toBe(tokens.tokenFor('a', 'b:c'));
  });

  it('refuse a short secret', () => {
    expect(() => new PurchaseTokens('short')).toThrow(/32/);
  });

  it('are checked only on sales that ask for them', () => {
    const plain = { id: 's', purchaseToken: false };
    const guarded = { id: 's', purchaseToken: true };
    expect(() => checkPurchaseToken(tokens, plain, 'ann', undefined)).not.toThrow();
    expect(() => checkPurchaseToken(tokens, guarded, 'ann', undefined)).toThrow(
      expect.objectContaining({ code: 'purchase_token_required' }),
    );
    expect(() => checkPurchaseToken(tokens, guarded, 'ann', 'x')).toThrow(
      expect.objectContaining({ code: 'purchase_token_invalid' }),
    );
    expect(() => checkPurchaseToken(undefined, guarded, 'ann', tokens.tokenFor('s', 'ann'))).toThrow(
      expect.objectContaining({ code: 'purchase_token_invalid' }),
    );
    expect(() => checkPurchaseToken(tokens, guarded, 'ann', tokens.tokenFor('s', 'ann'))).not.toThrow();
  });
});
