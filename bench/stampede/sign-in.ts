import { readFileSync } from 'node:fs';

/**
 * The crowd signs in before the sale: each shopper's token reaches the
 * server once, on an authenticated read (its own order list would do; an
 * unknown order answers 404 after the token is verified), as shoppers
 * browse before 10:00:00. The phases then measure purchases, not the first
 * verification of 50,000 ES256 signatures, which the server caches per token.
 */
export async function signInCrowd(
  url: string,
  tokensFile: string,
  say: (line: string) => void,
  concurrency = 64,
  through: 'rest' | 'graphql' = 'rest',
): Promise<void> {
  const tokens = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean);
  say(`\n▶ ${tokens.length.toLocaleString('en')} shoppers sign in (one authenticated read each)`);
  let next = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const index = next++;
        const token = tokens[index]!;
        if (through === 'rest') {
          const response = await fetch(`${url}/v1/orders/signed-in`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await response.arrayBuffer();
          if (response.status !== 404) refused++;
        } else {
          // The same read over GraphQL: a GraphQL run's crowd browses the API it buys through.
          const response = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ order(id: "signed-in") { id } }' }),
          });
          if (!(await response.text()).includes('"order_not_found"')) refused++;
        }
        if ((index + 1) % 10_000 === 0) say(`  ${(index + 1).toLocaleString('en')}`);
      }
    }),
  );
  if (refused > 0) throw new Error(`${refused} shoppers could not sign in: their tokens were refused`);
  say(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
