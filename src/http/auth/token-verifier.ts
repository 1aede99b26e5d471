import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import type { Actor } from '../../domain/actor.ts';
import { HttpError } from '../http-error.ts';

export interface TokenVerifierOptions {
  /** A key set in hand (local issuer) or the URL of one (a Cognito user pool's JWKS). */
  readonly jwks: JSONWebKeySet | URL;
  readonly issuer: string;
  /** The app clients whose access tokens are accepted (the token's `client_id`). */
  readonly clientIds: readonly string[];
  readonly adminGroup?: string;
  /**
   * Verified tokens remembered (until they expire) so a hot shopper costs one
   * signature check; when full, the oldest tenth is forgotten (default 100,000).
   */
  readonly cacheSize?: number;
  /**
   * Where the verifiers of the other HTTP threads of this process hear of a
   * token this one verified, and this one of theirs: each token's signature
   * is then checked once per process, not once per thread.
   */
  readonly share?: VerifiedTokenShare;
}

/** A token whose signature and claims were checked, as the verifier remembers it. */
export interface VerifiedToken {
  /** The whole Authorization header the token came in. */
  readonly authorization: string;
  readonly actor: Actor;
  /** The token's `exp`, in epoch milliseconds. */
  readonly expiresAt: number;
}

/** Verified tokens passed between the verifiers of one process (a channel, not a store). */
export interface VerifiedTokenShare {
  publish(token: VerifiedToken): void;
  /** `learn` hears every token another verifier published. */
  subscribe(learn: (token: VerifiedToken) => void): void;
}

export interface TokenVerifier {
  verify(authorization: string | undefined, now: number): Promise<Actor>;
}

const ALGORITHMS = ['ES256', 'RS256'];

/**
 * Verifies bearer tokens as AWS documents for Cognito user pool access
 * tokens: signature by a key of the JWKS, `iss`, `exp`, `token_use` equal to
 * `access` (an ID token is refused: it is meant for the client, not an API),
 * `client_id` among the configured app clients (access tokens carry no
 * `aud`), a non-empty `sub`; the admin role from `cognito:groups`. The local
 * issuer mints tokens of the same shape, so development and tests take this
 * same path.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const keys =
    options.jwks instanceof URL ? createRemoteJWKSet(options.jwks) : createLocalJWKSet(options.jwks);
  const adminGroup = options.adminGroup ?? 'admin';
  const cacheSize = options.cacheSize ?? 100_000;
  const cache = new Map<string, VerifiedToken>();
  const remember = (token: VerifiedToken): void => {
    // Full: the oldest tenth goes (a Map iterates in insertion order). Clearing it all would make every
    // shopper of a crowd larger than the cache pay a signature check again at the same moment.
    if (cache.size >= cacheSize) {
      let evict = Math.max(1, Math.ceil(cacheSize / 10));
      for (const key of cache.keys()) {
        cache.delete(key);
        if (--evict === 0) break;
      }
    }
    cache.set(cacheKey(token.authorization), token);
  };
  options.share?.subscribe(remember);

  return {
    async verify(authorization, now) {
      // A token seen before costs one map lookup and one comparison, no parsing. The map is keyed by
      // the header's last characters (the signature's): hashing a whole 700-character header for
      // every request cost more than the rest of the lookup. A hit is taken only for the same header.
      const cached = authorization === undefined ? undefined : cache.get(cacheKey(authorization));
      if (cached !== undefined && cached.authorization === authorization && now < cached.expiresAt) {
        return cached.actor;
      }
      const token = bearerToken(authorization);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          algorithms: ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
          currentDate: new Date(now),
        }));
      } catch (error) {
        throw new HttpError('unauthorized', reason(error), { cause: error });
      }
      const refusal = cognitoAccessTokenRefusal(payload, options.clientIds);
      if (refusal !== undefined) throw new HttpError('unauthorized', `token rejected: ${refusal}`);
      const groups = payload['cognito:groups'];
      const actor: Actor = {
        userId: payload.sub!,
        isAdmin: Array.isArray(groups) && groups.includes(adminGroup),
      };
      const verified: VerifiedToken = {
        authorization: authorization!,
        actor,
        expiresAt: payload.exp! * 1000,
      };
      remember(verified);
      options.share?.publish(verified);
      return actor;
    },
  };
}

/** The last characters of a signed token: part of its signature, so (almost) unique per token. */
function cacheKey(authorization: string): string {
  return authorization.length <= CACHE_KEY_LENGTH ? authorization : authorization.slice(-CACHE_KEY_LENGTH);
}

const CACHE_KEY_LENGTH = 32;

/** What makes a verified token no Cognito access token of ours, if anything. */
function cognitoAccessTokenRefusal(payload: JWTPayload, clientIds: readonly string[]): string | undefined {
  if (payload.token_use !== 'access') return 'an access token is due (token_use is not access)';
  if (typeof payload.client_id !== 'string' || !clientIds.includes(payload.client_id)) {
    return 'client_id claim is wrong';
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') return 'sub claim is empty';
  const groups = payload['cognito:groups'];
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) {
    return 'cognito:groups claim is not a list of names';
  }
  return undefined;
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') {
    throw new HttpError('unauthorized', 'missing token: send Authorization: Bearer <JWT>');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (match === null) throw new HttpError('unauthorized', 'malformed Authorization header: use Bearer <JWT>');
  return match[1]!;
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired: get a new one';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `token rejected: ${error.claim} claim is wrong`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token rejected: signing algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token rejected: bad signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token rejected: signed by an unknown key';
  return 'token rejected: not a valid JWT';
}
