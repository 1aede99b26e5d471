import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';

export const LOCAL_ISSUER = 'flashsale-local';
/** The `client_id` of the local issuer's tokens, as a Cognito app client's id. */
export const LOCAL_CLIENT_ID = 'flashsale-local-client';
const ALG = 'ES256';

export interface LocalIssuer {
  readonly jwks: JSONWebKeySet;
  sign(claims: { sub: string; admin: boolean; ttlSeconds?: number }): Promise<string>;
}

/**
 * The development and test stand-in for a Cognito user pool: an ES256 key
 * kept in the data directory (created on first use, mode 0600, in a
 * directory made 0700), a JWKS with
 * its public half, and tokens shaped like Cognito access tokens (`token_use:
 * access`, `client_id`, no `aud`, `cognito:groups` only when the user has a
 * group), so the one verifier serves both.
 */
export async function loadLocalIssuer(dataDir: string): Promise<LocalIssuer> {
  const file = join(dataDir, 'signing-key.json');
  let privateJwk: JWK;
  if (existsSync(file)) {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair(ALG, { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), alg: ALG, kid: `local-${Date.now().toString(36)}` };
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600, flag: 'wx' });
  }
  const { d: _secret, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, ALG);
  return {
    jwks: { keys: [{ ...publicJwk, use: 'sig' }] },
    sign: ({ sub, admin, ttlSeconds = 24 * 3600 }) =>
      new SignJWT({
        ...(admin ? { 'cognito:groups': ['admin'] } : {}),
        token_use: 'access',
        client_id: LOCAL_CLIENT_ID,
        scope: 'aws.cognito.signin.user.admin',
        username: sub,
      })
        .setProtectedHeader({ alg: ALG, kid: privateJwk.kid! })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
  };
}
