/** What a response said, as the benchmark counts it. */
export const OUTCOMES = [
  'error',
  'ok',
  'reserved',
  'not_started',
  'sold_out',
  'limit_exceeded',
  'insufficient_stock',
  'ended',
  'rate_limited',
  'refused_other',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

const CODE = /"code":"([a-z_]+)"/;

/** Classifies a purchase answer by its status and stable error code. */
export function outcomeOf(status: number, body: string): Outcome {
  if (status === 201) return 'reserved';
  if (status >= 500 || status < 200) return 'error';
  const code = CODE.exec(body)?.[1];
  switch (code) {
    case 'not_started':
    case 'sold_out':
    case 'limit_exceeded':
    case 'insufficient_stock':
    case 'ended':
    case 'rate_limited':
      return code;
    default:
      return 'refused_other';
  }
}
