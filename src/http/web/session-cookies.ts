import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { endSession, resumeSession, SESSION_LIFETIMES, startSession, type SessionKind, type WebSession } from '../../security/web-sessions.js';

/**
 * Where each kind of session keeps its cookie. Platform cookies use the __Host- prefix (host-only,
 * path /); a user's cookie is scoped to its instance's path prefix and named after the instance,
 * so a session of one instance is never sent to, or overwritten by, another on the same host.
 */
export function sessionCookie(request: FastifyRequest, kind: SessionKind): { name: string; path: string; orgId: number } {
  if (kind !== 'user') return { name: kind === 'operator' ? '__Host-concat-op' : '__Host-concat-dev', path: '/', orgId: 0 };
  const tenant = request.tenant;
  if (tenant.kind !== 'instance') throw new Error('a user session needs an instance');
  return { name: userSessionCookieName(tenant.instance.orgId), path: tenant.pathPrefix === '' ? '/' : tenant.pathPrefix, orgId: tenant.instance.orgId };
}

/** The cookie holding a user's session in one instance (the authorization server reads it too). */
export function userSessionCookieName(orgId: number): string {
  return `__Secure-concat-u${orgId}`;
}

export async function loadSession(request: FastifyRequest, kind: SessionKind, database: Database, clock: Clock): Promise<WebSession | null> {
  const cookie = sessionCookie(request, kind);
  const token = request.cookies[cookie.name];
  if (token === undefined || token.length > 200) return null;
  return resumeSession(database.db, token, kind, cookie.orgId, clock);
}

export async function signIn(request: FastifyRequest, reply: FastifyReply, kind: SessionKind, subjectId: number, database: Database, clock: Clock): Promise<WebSession> {
  const cookie = sessionCookie(request, kind);
  const previous = request.cookies[cookie.name];
  // A fresh token at every sign-in: a token planted before sign-in never becomes a session.
  if (previous !== undefined) await endSession(database.db, previous);
  const { token, session } = await startSession(database.db, { kind, subjectId, orgId: cookie.orgId, ip: request.ip, userAgent: request.headers['user-agent'] ?? null }, clock);
  void reply.setCookie(cookie.name, token, {
    path: cookie.path,
    secure: true,
    httpOnly: true,
    sameSite: 'lax',
    maxAge: Math.floor(SESSION_LIFETIMES[kind].absoluteMs / 1000),
  });
  request.webSession = session;
  return session;
}

export async function signOut(request: FastifyRequest, reply: FastifyReply, kind: SessionKind, database: Database): Promise<void> {
  const cookie = sessionCookie(request, kind);
  const token = request.cookies[cookie.name];
  if (token !== undefined) await endSession(database.db, token);
  void reply.clearCookie(cookie.name, { path: cookie.path, secure: true, httpOnly: true, sameSite: 'lax' });
  request.webSession = null;
}
