import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';

export const LOCAL_ISSUER = 'flashsale-local';
export const LOCAL_AUDIENCE = 'flashsale';
const ALG = 'ES256';

export interface LocalIssuer {
  readonly jwks: JSONWebKeySet;
  sign(claims: { sub: string; admin: boolean; ttlSeconds?: number }): Promise<string>;
}

/**
 * The development and test stand-in for a Cognito user pool: an ES256 key
 * kept in the data directory (created on first use, mode 0600), a JWKS with
 * its public half, and tokens shaped like Cognito's (`cognito:groups`).
 */
export async function loadLocalIssuer(dataDir: string): Promise<LocalIssuer> {
  const file = join(dataDir, 'signing-key.json');
  let privateJwk: JWK;
  if (existsSync(file)) {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), alg: ALG, kid: `local-${Date.now().toString(36)}` };
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600, flag: 'wx' });
  }
  const { d: _secret, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, ALG);
  return {
    jwks: { keys: [{ ...publicJwk, use: 'sig' }] },
    sign: ({ sub, admin, ttlSeconds = 24 * 3600 }) =>
      new SignJWT({ 'cognito:groups': admin ? ['admin'] : [], token_use: 'access' })
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid! })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
  };
}
