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

/** The GraphQL purchase mutation's answer: a 200 either way, reserved when it holds an order id. */
export function graphqlOutcomeOf(status: number, body: string): Outcome {
  if (status !== 200) return outcomeOf(status, body);
  if (body.includes('"orderId":"')) return 'reserved';
  // A refusal: classified by its code (extensions.code), as REST's answer is.
  return outcomeOf(409, body);
}

/** The body of one purchase: REST's, or the GraphQL mutation's for `graphqlSaleId`. */
export function purchaseBody(key: string, graphqlSaleId: string | undefined): string {
  if (graphqlSaleId === undefined) return `{"quantity":1,"idempotencyKey":"${key}"}`;
  return JSON.stringify({
    query: 'mutation($s:ID!,$k:String!){purchase(saleId:$s,quantity:1,idempotencyKey:$k){orderId}}',
    variables: { s: graphqlSaleId, k: key },
  });
}
