import { LOCAL_CLIENT_ID } from '../../src/http/auth/local-issuer.ts';

/**
 * A header that ends like `token`'s (its signature, kept) around a payload
 * of the attacker's choosing: an admin named mallory. A verifier that took a
 * cached or shared token by its last characters alone would accept it.
 */
export function forgedAuthorization(token: string): string {
  const [header, , signature] = token.split('.');
  const payload = Buffer.from(
    JSON.stringify({
      sub: 'mallory',
      'cognito:groups': ['admin'],
      token_use: 'access',
      client_id: LOCAL_CLIENT_ID,
    }),
  ).toString('base64url');
  return `Bearer ${header}.${payload}.${signature}`;
}
