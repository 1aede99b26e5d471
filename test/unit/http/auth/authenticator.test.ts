import { describe, expect, it } from 'vitest';
import { claimList, verifiedClaimsAuthenticator } from '../../../../src/http/auth/authenticator.ts';
import { HttpError } from '../../../../src/http/http-error.ts';
import type { HttpRequest } from '../../../../src/http/types.ts';

const request = (extra: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  url: '/',
  headers: {},
  body: '',
  ...extra,
});

describe('the verified-claims authenticator (Lambda behind a JWT authorizer)', () => {
  const auth = verifiedClaimsAuthenticator();

  it('takes sub and the admin group from the claims', async () => {
    expect(
      await auth.authenticate(
        request({ verifiedClaims: { sub: 'a', token_use: 'access', 'cognito:groups': '[admin shoppers]' } }),
        0,
      ),
    ).toEqual({
      userId: 'a',
      isAdmin: true,
    });
    expect(
      await auth.authenticate(
        request({ verifiedClaims: { sub: 'b', token_use: 'access', 'cognito:groups': '[shoppers]' } }),
        0,
      ),
    ).toEqual({
      userId: 'b',
      isAdmin: false,
    });
    expect(
      await auth.authenticate(request({ verifiedClaims: { sub: 'c', token_use: 'access' } }), 0),
    ).toEqual({
      userId: 'c',
      isAdmin: false,
    });
  });

  it('refuses a request without verified claims, whatever its headers say', async () => {
    const forged = request({ headers: { authorization: 'Bearer x', 'x-user': 'admin' } });
    await expect(auth.authenticate(forged, 0)).rejects.toBeInstanceOf(HttpError);
    await expect(
      auth.authenticate(request({ verifiedClaims: { sub: '', token_use: 'access' } }), 0),
    ).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses an ID token, which the JWT authorizer lets through (its aud is the app client)', async () => {
    const idToken = { sub: 'a', token_use: 'id', aud: 'client', 'cognito:groups': '[admin]' };
    await expect(auth.authenticate(request({ verifiedClaims: idToken }), 0)).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/access token is due/),
    });
    await expect(auth.authenticate(request({ verifiedClaims: { sub: 'a' } }), 0)).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });

  it('reads list claims in the shapes API Gateway and token issuers use', () => {
    expect(claimList('[admin shoppers]')).toEqual(['admin', 'shoppers']);
    expect(claimList(['admin'])).toEqual(['admin']);
    expect(claimList('admin,shoppers')).toEqual(['admin', 'shoppers']);
    expect(claimList('[]')).toEqual([]);
    expect(claimList(undefined)).toEqual([]);
    expect(claimList('[administrators]')).not.toContain('admin');
  });
});
