import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Holds the CSRF token of visitors who are not signed in (login and application forms). */
export const ANONYMOUS_CSRF_COOKIE = '__Host-concat-csrf';

/**
 * The token a form must echo in `_csrf`: the signed-in session's, or else a random one kept in
 * a cookie (double submit). Call it when rendering a form.
 */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply): string {
  if (request.webSession !== null) return request.webSession.csrfToken;
  const existing = request.cookies[ANONYMOUS_CSRF_COOKIE];
  if (existing !== undefined && /^[\w-]{32}$/.test(existing)) return existing;
  const token = randomBytes(24).toString('base64url');
  void reply.setCookie(ANONYMOUS_CSRF_COOKIE, token, { path: '/', secure: true, httpOnly: true, sameSite: 'lax' });
  return token;
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Whether a state-changing form request is genuine: it comes from our own origin (Origin and
 * Sec-Fetch-Site, when the browser sends them) and carries the expected token.
 */
export function isGenuineFormPost(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.origin.protocol}://${request.origin.host}`) return false;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const body: unknown = request.body;
  const sent = typeof body === 'object' && body !== null && '_csrf' in body ? body._csrf : undefined;
  if (typeof sent !== 'string') return false;
  const expected = request.webSession?.csrfToken ?? request.cookies[ANONYMOUS_CSRF_COOKIE];
  return expected !== undefined && sameToken(sent, expected);
}
