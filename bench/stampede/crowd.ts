import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';

export interface Crowd {
  /** The server's data directory, holding the signing key the tokens were signed with. */
  readonly dataDir: string;
  /** Shopper tokens, one a line. */
  readonly tokensFile: string;
  readonly admin: string;
}

/** Shopper tokens signed with the key the server will load from its data directory (under `work`). */
export async function mintCrowd(work: string, users: number, say: (line: string) => void): Promise<Crowd> {
  const dataDir = join(work, 'data');
  const issuer = await loadLocalIssuer(dataDir);
  const admin = await issuer.sign({ sub: 'bench-admin', admin: true });
  say(`\n▶ minting ${users.toLocaleString('en')} shopper tokens`);
  const tokens: string[] = [];
  // Signing is asynchronous (WebCrypto): a batch in flight keeps every core busy.
  const batch = 256;
  for (let from = 0; from < users; from += batch) {
    const to = Math.min(from + batch, users);
    const signed = await Promise.all(
      Array.from({ length: to - from }, (_, i) => issuer.sign({ sub: `shopper-${from + i}`, admin: false })),
    );
    tokens.push(...signed);
    if (Math.floor(to / 10_000) > Math.floor(from / 10_000)) say(`  ${to.toLocaleString('en')}`);
  }
  const tokensFile = join(work, 'tokens.txt');
  writeFileSync(tokensFile, `${tokens.join('\n')}\n`);
  return { dataDir, tokensFile, admin };
}
