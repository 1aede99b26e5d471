import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const privateJwk = existsSync(file) ? readKey(file) : await createKey(dataDir, file);
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

function readKey(file: string): JWK {
  return JSON.parse(readFileSync(file, 'utf8')) as JWK;
}

/**
 * Writes a new key, or reads the one another process wrote first: several
 * servers started at once on one data directory (a fleet, compose replicas
 * on a shared volume) must all end up with the same key. The key is written
 * whole to a file of this process's own, then linked into place: a link
 * appears complete or fails because the name is taken.
 */
async function createKey(dataDir: string, file: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), alg: ALG, kid: `local-${Date.now().toString(36)}` };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(mine, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(mine, file);
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKey(file);
  } finally {
    rmSync(mine, { force: true });
  }
}
