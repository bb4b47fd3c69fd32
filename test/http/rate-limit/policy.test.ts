import { describe, expect, it } from 'vitest';
import { attributeRequest } from '../../../src/api/request-attribution.js';
import { clientAddressKey } from '../../../src/http/rate-limit/client-address.js';
import { LocalRateLimitStore } from '../../../src/http/rate-limit/local/local-store.js';
import { bucketsFor, limitedEndpointOf, type RateLimits } from '../../../src/http/rate-limit/rate-limit-policy.js';
import { windowStartOf } from '../../../src/http/rate-limit/rate-limit-store.js';
import { countRequest, rateLimitHeaders } from '../../../src/http/rate-limit/rate-limiter.js';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const NO_TOKEN = { needsToken: false };
const TOKEN = { needsToken: true };

describe('request attribution (the Authorization header alone)', () => {
  it('reads a bearer token, a Basic client and a bare client id', () => {
    expect(attributeRequest('Bearer abc.DEF-123_~+/=', TOKEN)).toEqual({ kind: 'token', token: 'abc.DEF-123_~+/=' });
    expect(attributeRequest('bearer   tok ', TOKEN)).toEqual({ kind: 'token', token: 'tok' });
    expect(attributeRequest(basic('431000', 'ccs_secret'), NO_TOKEN)).toEqual({ kind: 'client', clientId: 431000, secret: 'ccs_secret' });
    expect(attributeRequest('Bearer 431000', NO_TOKEN)).toEqual({ kind: 'client', clientId: 431000, secret: null });
  });

  it('treats a bare client id as a (wrong) token where a token is needed', () => {
    expect(attributeRequest('Bearer 431000', TOKEN)).toEqual({ kind: 'token', token: '431000' });
  });

  it('form-decodes Basic credentials (RFC 6749 §2.3.1)', () => {
    expect(attributeRequest(basic('431000', 'a%3Ab+c'), NO_TOKEN)).toEqual({ kind: 'client', clientId: 431000, secret: 'a:b c' });
  });

  it('is anonymous for no header, other schemes and anything malformed or oversized', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'Bearer ä',
      'Token abc',
      'Digest username="x"',
      'Basic !!!',
      basic('431000', ''),
      basic('abc', 'secret'),
      basic('0123', 'secret'),
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      basic('431000', '%E0%A4%A'),
      `Bearer ${'a'.repeat(2000)}`,
    ]) {
      expect(attributeRequest(header, NO_TOKEN), String(header)).toEqual({ kind: 'anonymous' });
    }
  });
});

describe('client address keys', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6 and counts IPv6 by its /64', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientAddressKey('')).toBe('unknown');
  });
});

describe('which requests are limited, and how they answer', () => {
  it('classifies instance paths', () => {
    expect(limitedEndpointOf('POST', '/api/oauth/token')).toEqual({ kind: 'token', answer: 'oauth' });
    expect(limitedEndpointOf('POST', '/oauth/introspect')).toEqual({ kind: 'token', answer: 'oauth' });
    expect(limitedEndpointOf('POST', '/oauth/revoke')).toEqual({ kind: 'token', answer: 'oauth' });
    expect(limitedEndpointOf('GET', '/api/oauth/token')).toEqual({ kind: 'api', answer: 'envelope' });
    expect(limitedEndpointOf('GET', '/api/v0/users/1')).toEqual({ kind: 'api', answer: 'envelope' });
    expect(limitedEndpointOf('GET', '/api/users/current')).toEqual({ kind: 'api', answer: 'envelope' });
    expect(limitedEndpointOf('GET', '/oauth/userinfo')).toEqual({ kind: 'api', answer: 'oauth' });
    expect(limitedEndpointOf('GET', '/api/docs/openapi.json')).toEqual({ kind: 'public', answer: 'envelope' });
    expect(limitedEndpointOf('GET', '/.well-known/openid-configuration')).toEqual({ kind: 'public', answer: 'oauth' });
    expect(limitedEndpointOf('GET', '/oauth/jwks')).toEqual({ kind: 'public', answer: 'oauth' });
    expect(limitedEndpointOf('GET', '/oauth/authorize')).toEqual({ kind: 'interactive', answer: 'envelope' });
    expect(limitedEndpointOf('GET', '/oauth/authorize/abc')).toEqual({ kind: 'interactive', answer: 'envelope' });
    expect(limitedEndpointOf('GET', '/login')).toBeNull();
    expect(limitedEndpointOf('GET', '/housekeeping')).toBeNull();
    expect(limitedEndpointOf('GET', '/apiary')).toBeNull();
  });

  const limits: RateLimits = { windowMs: 60_000, api: 600, apiAddress: 3000, token: 300, tokenAddress: 600, anonymous: 60 };
  const api = { kind: 'api', answer: 'envelope' } as const;
  const token = { kind: 'token', answer: 'oauth' } as const;

  it('counts a proven app per app and instance, a claimed one per client and address, anonymous per address', () => {
    expect(bucketsFor(api, { kind: 'app', clientId: 431000 }, 3, '203.0.113.7', limits).map((b) => [b.policy, b.key, b.limit])).toEqual([
      ['api', 'api:app:3:431000', 600],
      ['api-address', 'api:address:203.0.113.7', 3000],
    ]);
    expect(bucketsFor(token, { kind: 'claimed', clientId: 431000 }, 3, '203.0.113.7', limits).map((b) => [b.policy, b.key, b.limit])).toEqual([
      ['token', 'token:claim:3:431000:203.0.113.7', 300],
      ['token-address', 'token:address:203.0.113.7', 600],
    ]);
    expect(bucketsFor(token, { kind: 'anonymous' }, 3, '203.0.113.7', limits).map((b) => [b.policy, b.key, b.limit])).toEqual([['anonymous', 'anonymous:203.0.113.7', 60]]);
    expect(bucketsFor({ kind: 'interactive', answer: 'envelope' }, { kind: 'anonymous' }, 3, '203.0.113.7', limits).map((b) => b.key)).toEqual(['token:address:203.0.113.7']);
  });

  it('leaves out limits set to 0', () => {
    expect(bucketsFor(api, { kind: 'app', clientId: 1 }, 3, 'x', { ...limits, apiAddress: 0 }).map((b) => b.policy)).toEqual(['api']);
    expect(bucketsFor(api, { kind: 'anonymous' }, 3, 'x', { ...limits, anonymous: 0 })).toEqual([]);
  });
});

describe('the decision and its headers', () => {
  it('refuses once a bucket is over its limit, with Retry-After until that window ends, and keeps counting refusals', async () => {
    const store = new LocalRateLimitStore();
    const now = Date.parse('2026-06-01T10:00:00.000Z');
    const app = { policy: 'api', key: 'api:app:1:2', limit: 2, windowMs: 60_000 };
    const address = { policy: 'api-address', key: 'api:address:a', limit: 10, windowMs: 60_000 };
    const appReset = Math.ceil((windowStartOf(app.key, 60_000, now) + 60_000 - now) / 1000);
    const addressReset = Math.max(1, Math.ceil((windowStartOf(address.key, 60_000, now) + 60_000 - now) / 1000));

    const first = await countRequest(store, [app, address], new Date(now));
    expect(first.allowed).toBe(true);
    expect(rateLimitHeaders(first.states)).toEqual({
      'ratelimit-policy': '"api";q=2;w=60, "api-address";q=10;w=60',
      ratelimit: `"api";r=1;t=${Math.max(1, appReset)}, "api-address";r=9;t=${addressReset}`,
    });
    await countRequest(store, [app, address], new Date(now));
    const third = await countRequest(store, [app, address], new Date(now));
    expect(third.allowed).toBe(false);
    expect(third.refusedBy?.policy).toBe('api');
    expect(third.retryAfterSeconds).toBe(Math.max(1, appReset));
    expect(rateLimitHeaders(third.states)?.ratelimit).toMatch(/^"api";r=0;t=\d+, "api-address";r=7;t=\d+$/);
  });

  it('sends no headers when nothing is limited', async () => {
    const decision = await countRequest(new LocalRateLimitStore(), [], new Date());
    expect(decision.allowed).toBe(true);
    expect(rateLimitHeaders(decision.states)).toBeNull();
  });
});
