import { describe, expect, it } from 'vitest';
import { checkNewRedirectUri, checkRedirectUri, MAX_REDIRECT_URIS_PER_APP, parseRedirectUris } from '../../src/platform/redirect-uris.js';

function ruleOf(uri: string): string {
  const check = checkRedirectUri(uri);
  return check.ok ? 'ok' : check.rule;
}

describe('redirect URI rules', () => {
  it.each([
    'https://app.example.com/callback',
    'https://app.example.com/oauth/callback?tenant=furfest',
    'https://app.example.com:8443/cb',
    'http://localhost:8765/callback',
    'http://127.0.0.1/cb',
    'http://[::1]:3000/cb',
    'https://localhost/cb',
  ])('accepts %s', (uri) => {
    expect(checkRedirectUri(uri)).toEqual({ ok: true, uri });
  });

  it.each([
    ['', 'empty'],
    [`https://app.example.com/${'a'.repeat(2000)}`, 'too-long'],
    ['https://app.example.com/call back', 'characters'],
    ['https://app.example.com\\@evil.example/cb', 'characters'],
    ['https://app.example.com/cb\n', 'characters'],
    ['http://app.example.com/callback', 'http-not-loopback'],
    ['http://localhost.evil.example/callback', 'http-not-loopback'],
    ['http://192.168.1.10/callback', 'http-not-loopback'],
    ['https://*.example.com/callback', 'wildcard'],
    ['https://app.example.com/*', 'wildcard'],
    ['https://app.example.com/callback#done', 'fragment'],
    ['https://app.example.com/callback#', 'fragment'],
    ['https://user:secret@app.example.com/callback', 'userinfo'],
    ['https://user@app.example.com/callback', 'userinfo'],
    ['https://@app.example.com/callback', 'userinfo'],
    ['/callback', 'relative'],
    ['callback', 'relative'],
    ['app.example.com/callback', 'relative'],
    ['localhost:3000/callback', 'relative'],
    ['//app.example.com/callback', 'relative'],
    ['https:/app.example.com/callback', 'relative'],
    ['https:///app.example.com/callback', 'relative'],
    ['https://[bad/callback', 'relative'],
    ['com.example.app:/oauth2redirect', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['data:text/html,hi', 'scheme'],
    ['ftp://app.example.com/cb', 'scheme'],
    ['HTTPS://app.example.com/cb', 'scheme'],
  ])('refuses %j (%s)', (uri, rule) => {
    expect(ruleOf(uri)).toBe(rule);
  });

  it('explains every refusal in words', () => {
    const check = checkRedirectUri('http://app.example.com/cb');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(/localhost/);
  });

  it('refuses a duplicate and a 21st URI', () => {
    expect(checkNewRedirectUri(['https://a.example/cb'], 'https://a.example/cb')).toMatchObject({ ok: false, rule: 'duplicate' });
    // Exact strings: a different case or a trailing slash is another URI.
    expect(checkNewRedirectUri(['https://a.example/cb'], 'https://a.example/cb/')).toMatchObject({ ok: true });
    const full = Array.from({ length: MAX_REDIRECT_URIS_PER_APP }, (_, i) => `https://a.example/cb${i}`);
    expect(checkNewRedirectUri(full, 'https://a.example/another')).toMatchObject({ ok: false, rule: 'too-many' });
    expect(checkNewRedirectUri(full.slice(1), 'https://a.example/another')).toMatchObject({ ok: true });
  });

  it('validates before counting: a bad URI is explained even on a full app', () => {
    const full = Array.from({ length: MAX_REDIRECT_URIS_PER_APP }, (_, i) => `https://a.example/cb${i}`);
    expect(checkNewRedirectUri(full, 'http://a.example/cb')).toMatchObject({ ok: false, rule: 'http-not-loopback' });
  });

  it('reads the stored JSON defensively', () => {
    expect(parseRedirectUris('["https://a.example/cb"]')).toEqual(['https://a.example/cb']);
    expect(parseRedirectUris('not json')).toEqual([]);
    expect(parseRedirectUris('{"a":1}')).toEqual([]);
    expect(parseRedirectUris('["https://a.example/cb", 3]')).toEqual(['https://a.example/cb']);
  });
});
