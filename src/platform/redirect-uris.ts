/**
 * Redirect URIs an app may send users back to. The authorization server compares them as exact
 * strings, so what is registered here is what must be sent: no wildcards, no normalization.
 *
 * Only web redirects are accepted: https anywhere, plain http only on the loopback hosts (a
 * developer's own machine). Custom schemes (`com.example.app:/cb`) are refused: every app here is
 * a confidential client holding a secret, which a native app cannot keep; native apps use a
 * loopback redirect instead (RFC 8252 §7.3). `javascript:`, `data:` and the like fall under the
 * same rule.
 */

export const MAX_REDIRECT_URI_LENGTH = 2000;
export const MAX_REDIRECT_URIS_PER_APP = 20;

/** The hosts plain http is allowed on, as the URL parser spells them. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export type RedirectUriRule =
  | 'empty'
  | 'too-long'
  | 'characters'
  | 'relative'
  | 'scheme'
  | 'http-not-loopback'
  | 'wildcard'
  | 'fragment'
  | 'userinfo'
  | 'duplicate'
  | 'too-many';

export type RedirectUriCheck = { ok: true; uri: string } | { ok: false; rule: RedirectUriRule; message: string };

function refuse(rule: RedirectUriRule, message: string): RedirectUriCheck {
  return { ok: false, rule, message };
}

/** Whether one redirect URI is acceptable on its own (see the module comment for the rules). */
export function checkRedirectUri(uri: string): RedirectUriCheck {
  if (uri === '') return refuse('empty', 'Enter a redirect URI.');
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return refuse('too-long', `A redirect URI can be at most ${MAX_REDIRECT_URI_LENGTH} characters long.`);
  // Spaces, control characters and backslashes are silently rewritten by URL parsers, so the
  // string the app sends and the one a browser follows could differ.
  if (/[\s\\\p{Cc}]/u.test(uri)) return refuse('characters', 'A redirect URI cannot contain spaces, backslashes or control characters.');
  if (uri.includes('*')) return refuse('wildcard', 'Wildcards (*) are not allowed: register every redirect URI exactly as your app sends it.');
  if (uri.includes('#')) return refuse('fragment', 'A redirect URI cannot contain a fragment (#…): the authorization response would not reach your server.');
  // 'localhost:3000/cb' reads like a scheme followed by a port: it is a URL without its scheme.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d)/.exec(uri)?.[1];
  if (scheme === undefined) return refuse('relative', 'Enter an absolute URL, starting with https://.');
  if (scheme !== 'https' && scheme !== 'http') {
    return refuse('scheme', `The ${scheme}: scheme is not allowed: use https://, or http:// on localhost, 127.0.0.1 or [::1].`);
  }
  // Exactly two slashes and a non-empty authority: URL parsers "repair" https:/host and https:///host.
  const authority = /^https?:\/\/([^/?#]+)/.exec(uri)?.[1];
  if (authority === undefined) return refuse('relative', 'Enter an absolute URL with a host, such as https://app.example.com/callback.');
  if (authority.includes('@')) return refuse('userinfo', 'A redirect URI cannot contain a user name or password (user@host).');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return refuse('relative', 'This is not a valid URL. Enter an absolute URL such as https://app.example.com/callback.');
  }
  if (scheme === 'http' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return refuse('http-not-loopback', 'Plain http:// is allowed only on localhost, 127.0.0.1 or [::1]; use https:// for every other host.');
  }
  return { ok: true, uri };
}

/** Whether `uri` may be added to an app that already has `existing`. */
export function checkNewRedirectUri(existing: readonly string[], uri: string): RedirectUriCheck {
  const check = checkRedirectUri(uri);
  if (!check.ok) return check;
  if (existing.includes(uri)) return refuse('duplicate', 'This redirect URI is already registered.');
  if (existing.length >= MAX_REDIRECT_URIS_PER_APP) {
    return refuse('too-many', `An app can have at most ${MAX_REDIRECT_URIS_PER_APP} redirect URIs. Remove one first.`);
  }
  return check;
}

/** The redirect URIs stored in an app row's JSON column; anything unreadable counts as none. */
export function parseRedirectUris(json: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
