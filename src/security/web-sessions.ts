import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { generateSecret, hashSecret } from './secrets.js';

export type SessionKind = 'operator' | 'developer' | 'user';

/**
 * How long a browser session lives: an absolute limit from sign-in, and an idle limit that each
 * request pushes forward. Staff sessions are short because they can do the most harm.
 */
export const SESSION_LIFETIMES: Record<SessionKind, { absoluteMs: number; idleMs: number }> = {
  /** Operators: 12 hours, signed out after 1 hour without activity. */
  operator: { absoluteMs: 12 * 3_600_000, idleMs: 3_600_000 },
  /** Developers: 7 days, signed out after 1 day without activity. */
  developer: { absoluteMs: 7 * 86_400_000, idleMs: 86_400_000 },
  /** Users of an instance: 30 days, signed out after 7 days without activity. */
  user: { absoluteMs: 30 * 86_400_000, idleMs: 7 * 86_400_000 },
};

/** Session tokens carry a prefix like every other secret, so a leaked one is recognizable. */
const SESSION_TOKEN_PREFIX = 'cses_';

export interface WebSession {
  id: number;
  kind: SessionKind;
  subjectId: number;
  /** 0 on the platform host; the instance for user sessions. */
  orgId: number;
  csrfToken: string;
  /** When the person signed in (the password was checked): OAuth's auth_time, max_age and prompt=login. */
  signedInAt: Date;
}

export interface SessionStart {
  kind: SessionKind;
  subjectId: number;
  orgId: number;
  ip: string | null;
  userAgent: string | null;
}

/** Starts a session; the token goes into a cookie and only its hash is stored. */
export async function startSession(db: Kysely<Schema>, start: SessionStart, clock: Clock): Promise<{ token: string; session: WebSession }> {
  const token = generateSecret(SESSION_TOKEN_PREFIX);
  const csrfToken = randomBytes(24).toString('base64url');
  const now = clock.now().getTime();
  const lifetime = SESSION_LIFETIMES[start.kind];
  const row = await db
    .insertInto('web_sessions')
    .values({
      token_hash: hashSecret(token),
      kind: start.kind,
      subject_id: start.subjectId,
      org_id: start.orgId,
      csrf_token: csrfToken,
      created_at: isoTimestamp(new Date(now)),
      expires_at: isoTimestamp(new Date(now + lifetime.absoluteMs)),
      idle_expires_at: isoTimestamp(new Date(now + lifetime.idleMs)),
      ip: start.ip,
      user_agent: start.userAgent?.slice(0, 300) ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, session: { id: row.id, kind: start.kind, subjectId: start.subjectId, orgId: start.orgId, csrfToken, signedInAt: new Date(now) } };
}

/**
 * The live session a token names, of the expected kind and instance, or null. Each hit slides
 * the idle deadline forward, never past the absolute one.
 */
export async function resumeSession(db: Kysely<Schema>, token: string, kind: SessionKind, orgId: number, clock: Clock): Promise<WebSession | null> {
  const nowIso = isoTimestamp(clock.now());
  const row = await db
    .selectFrom('web_sessions')
    .select(['id', 'subject_id', 'csrf_token', 'expires_at', 'created_at'])
    .where('token_hash', '=', hashSecret(token))
    .where('kind', '=', kind)
    .where('org_id', '=', orgId)
    .where('expires_at', '>', nowIso)
    .where('idle_expires_at', '>', nowIso)
    .executeTakeFirst();
  if (row === undefined) return null;
  const idle = isoTimestamp(new Date(clock.now().getTime() + SESSION_LIFETIMES[kind].idleMs));
  await db.updateTable('web_sessions').set({ idle_expires_at: idle < row.expires_at ? idle : row.expires_at }).where('id', '=', row.id).execute();
  return { id: row.id, kind, subjectId: row.subject_id, orgId, csrfToken: row.csrf_token, signedInAt: new Date(row.created_at) };
}

export async function endSession(db: Kysely<Schema>, token: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('token_hash', '=', hashSecret(token)).execute();
}

/** Signs someone out everywhere, e.g. after a password change or when an account is disabled. */
export async function endAllSessions(db: Kysely<Schema>, kind: SessionKind, orgId: number, subjectId: number): Promise<void> {
  await db.deleteFrom('web_sessions').where('kind', '=', kind).where('org_id', '=', orgId).where('subject_id', '=', subjectId).execute();
}
