import { describe, expect, it } from 'vitest';
import { FlashSaleError } from '../../../src/domain/errors.ts';
import { assertValidNewSale, type NewSale, saleStatus } from '../../../src/domain/sale.ts';
import { newSaleFixture, saleFixture } from '../../support/fixtures.ts';

const newSale = newSaleFixture;
const sale = saleFixture;

describe('saleStatus', () => {
  it('is upcoming before the start, live while stock lasts, sold out at zero, ended after the end', () => {
    expect(saleStatus(sale, 10, 999)).toBe('upcoming');
    expect(saleStatus(sale, 10, 1_000)).toBe('live');
    expect(saleStatus(sale, 0, 1_500)).toBe('sold_out');
    expect(saleStatus(sale, 3, 2_000)).toBe('ended');
    expect(saleStatus(sale, 0, 2_000)).toBe('ended');
  });
});

describe('assertValidNewSale', () => {
  const codeOf = (candidate: NewSale, now: number) => {
    try {
      assertValidNewSale(candidate, now);
      return 'valid';
    } catch (error) {
      return error instanceof FlashSaleError ? error.code : 'other';
    }
  };

  it('accepts a sale that ends after it starts and in the future', () => {
    expect(codeOf(newSale, 500)).toBe('valid');
    expect(codeOf(newSale, 1_500)).toBe('valid');
  });

  it('refuses a sale that ends before it starts, or has ended already', () => {
    expect(codeOf({ ...newSale, endsAt: 1_000 }, 0)).toBe('invalid_sale');
    expect(codeOf(newSale, 2_000)).toBe('invalid_sale');
  });
});
