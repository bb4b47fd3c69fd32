import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { enqueueMail } from '../mail/mail-queue.js';
import { hashPassword } from '../security/passwords.js';
import { allocateClientId } from './client-ids.js';
import { findInvitationByToken, invitationStatus, type InvitationStatus } from './invitations.js';
import { MIN_PASSWORD_LENGTH } from './operators.js';
import { applicationReceivedMail, reviewWaitingMail } from './program-mail.js';
import { consoleAppLink, portalLink } from './platform-links.js';

/** What the application form behind an invitation link asks, as submitted (untrimmed strings are fine). */
export interface ApplicationInput {
  name: string;
  companyName: string;
  companyWebsite: string;
  contactInfo: string;
  displayName: string;
  description: string;
  /** Slugs of the instances (event customers) the developer works with or wants to. */
  eventCustomers: string[];
  /** Event customers not on the platform, in the developer's words. */
  otherEventCustomers: string;
  homepageUrl: string;
  privacyUrl: string;
  password: string;
  passwordConfirmation: string;
}

export type ApplicationField = keyof ApplicationInput;
export type ApplicationErrors = Partial<Record<ApplicationField, string>>;

/** Limits of the application form, shared by the page (maxlength) and the rules. */
export const APPLICATION_LIMITS = {
  name: 200,
  companyName: 200,
  url: 2000,
  contactInfo: 1000,
  displayName: 100,
  description: 2000,
  otherEventCustomers: 500,
  /** argon2 takes any length, but hashing megabytes on request is a cheap denial of service. */
  password: 1000,
} as const;

/**
 * The event customers an application names, as stored in apps.interested_event_customers: JSON
 * `{"instances":["<slug>",…],"other":"<free text>"}`. Slugs let Housekeeping put the apps that
 * named its instance first; the free text covers organizations not on this platform.
 */
export interface InterestedEventCustomers {
  instances: string[];
  other: string;
}

export function serializeInterestedCustomers(value: InterestedEventCustomers): string {
  return JSON.stringify({ instances: value.instances, other: value.other });
}

/** Reads the stored value; text that is not our JSON (older rows, the demo) counts as free text. */
export function parseInterestedCustomers(stored: string): InterestedEventCustomers {
  try {
    const parsed: unknown = JSON.parse(stored);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const instances: unknown = Reflect.get(parsed, 'instances');
      const other: unknown = Reflect.get(parsed, 'other');
      if (Array.isArray(instances) && typeof other === 'string') {
        return { instances: instances.filter((slug): slug is string => typeof slug === 'string'), other };
      }
    }
  } catch {
    // Not JSON: free text, handled below.
  }
  return { instances: [], other: stored };
}

/** Null when the value is an acceptable public https URL; otherwise what is wrong with it. */
export function httpsUrlProblem(value: string): string | null {
  if (value.length > APPLICATION_LIMITS.url) return `must be at most ${APPLICATION_LIMITS.url} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a full address starting with https://';
  }
  if (url.protocol !== 'https:') return 'must start with https://';
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  if (url.hostname === '') return 'must name a host';
  return null;
}

export interface CleanApplication {
  name: string;
  companyName: string;
  companyWebsite: string | null;
  contactInfo: string;
  displayName: string;
  description: string;
  eventCustomers: InterestedEventCustomers;
  homepageUrl: string;
  privacyUrl: string;
  password: string;
}

/**
 * Checks every field of the form and says, per field, what to fix. `knownInstances` are the
 * slugs that may be chosen; anything else was not offered and is refused.
 */
export function validateApplication(input: ApplicationInput, knownInstances: readonly string[]): { errors: ApplicationErrors; application: CleanApplication } {
  const errors: ApplicationErrors = {};
  const text = (field: ApplicationField, value: string, label: string, max: number, required: boolean): string => {
    const trimmed = value.trim();
    if (trimmed === '' && required) errors[field] = `Enter ${label}`;
    else if (trimmed.length > max) errors[field] = `${capitalize(label)} must be at most ${max} characters`;
    return trimmed;
  };
  const url = (field: ApplicationField, value: string, label: string, required: boolean): string => {
    const trimmed = value.trim();
    if (trimmed === '') {
      if (required) errors[field] = `Enter ${label}`;
      return trimmed;
    }
    const problem = httpsUrlProblem(trimmed);
    if (problem !== null) errors[field] = `${capitalize(label)} ${problem}`;
    return trimmed;
  };

  const name = text('name', input.name, 'your name', APPLICATION_LIMITS.name, true);
  const companyName = text('companyName', input.companyName, 'your company name', APPLICATION_LIMITS.companyName, true);
  const companyWebsite = url('companyWebsite', input.companyWebsite, "your company's website", false);
  const contactInfo = text('contactInfo', input.contactInfo, 'how to contact your company', APPLICATION_LIMITS.contactInfo, true);
  const displayName = text('displayName', input.displayName, 'the name of your application', APPLICATION_LIMITS.displayName, true);
  const description = text('description', input.description, 'what your application will do', APPLICATION_LIMITS.description, true);
  const other = text('otherEventCustomers', input.otherEventCustomers, 'the other event customers', APPLICATION_LIMITS.otherEventCustomers, false);
  const chosen = [...new Set(input.eventCustomers)];
  if (chosen.some((slug) => !knownInstances.includes(slug))) errors.eventCustomers = 'Choose event customers from the list';
  const homepageUrl = url('homepageUrl', input.homepageUrl, "your application's homepage", true);
  const privacyUrl = url('privacyUrl', input.privacyUrl, 'your privacy policy', true);

  if (input.password.length < MIN_PASSWORD_LENGTH) errors.password = `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters`;
  else if (input.password.length > APPLICATION_LIMITS.password) errors.password = `The password must be at most ${APPLICATION_LIMITS.password} characters`;
  else if (input.password !== input.passwordConfirmation) errors.passwordConfirmation = 'The two passwords do not match';

  return {
    errors,
    application: {
      name,
      companyName,
      companyWebsite: companyWebsite === '' ? null : companyWebsite,
      contactInfo,
      displayName,
      description,
      eventCustomers: { instances: chosen, other },
      homepageUrl,
      privacyUrl,
      password: input.password,
    },
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Why an invitation link cannot take an application (any more). */
export type UnavailableReason = Exclude<InvitationStatus, 'pending'> | 'unknown' | 'developer-exists';

export type ApplicationOutcome =
  | { outcome: 'submitted'; developerId: number; appId: number; email: string }
  | { outcome: 'invalid'; errors: ApplicationErrors }
  | { outcome: 'unavailable'; reason: UnavailableReason };

class Unavailable extends Error {
  constructor(readonly reason: UnavailableReason) {
    super(reason);
  }
}

export interface ApplicationSubmission {
  token: string;
  input: ApplicationInput;
  ip?: string | null;
  /** The platform's public URL, for the links in the emails. */
  publicUrl: URL;
}

/**
 * Applies to the developer program through an invitation. In one transaction: claims the
 * invitation (only if still unused, unexpired and not withdrawn, so a double submit or two
 * concurrent posts create one application), creates the developer and the app (status
 * `applied`, with a client_id that stays hidden until approval), audits, and queues the emails.
 */
export async function submitApplication(db: Kysely<Schema>, submission: ApplicationSubmission, clock: Clock): Promise<ApplicationOutcome> {
  const lookup = await findInvitationByToken(db, submission.token, clock);
  if (lookup.status !== 'pending') return { outcome: 'unavailable', reason: lookup.status };
  const invitation = lookup.invitation;
  const slugs = (await db.selectFrom('orgs').select('slug').execute()).map((row) => row.slug);
  const { errors, application } = validateApplication(submission.input, slugs);
  if (Object.keys(errors).length > 0) return { outcome: 'invalid', errors };
  // Hashed before the transaction opens, so no lock is held through argon2.
  const passwordHash = await hashPassword(application.password);
  const portalUrl = portalLink(submission.publicUrl);

  try {
    return await db.transaction().execute(async (trx) => {
      const now = clock.now();
      const nowIso = isoTimestamp(now);
      const claimed = await trx
        .updateTable('invitations')
        .set({ used_at: nowIso })
        .where('id', '=', invitation.id)
        .where('used_at', 'is', null)
        .where('withdrawn_at', 'is', null)
        .where('expires_at', '>', nowIso)
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) {
        const row = await trx.selectFrom('invitations').select(['expires_at', 'used_at', 'withdrawn_at']).where('id', '=', invitation.id).executeTakeFirstOrThrow();
        const status = invitationStatus(row, now);
        throw new Unavailable(status === 'pending' ? 'unknown' : status);
      }
      const existing = await trx.selectFrom('developers').select('id').where('email', '=', invitation.email).executeTakeFirst();
      if (existing !== undefined) throw new Unavailable('developer-exists');

      const developer = await trx
        .insertInto('developers')
        .values({
          email: invitation.email,
          name: application.name,
          company_name: application.companyName,
          company_website: application.companyWebsite,
          contact_info: application.contactInfo,
          password_hash: passwordHash,
          created_at: nowIso,
          updated_at: nowIso,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const clientId = await allocateClientId(trx);
      const app = await trx
        .insertInto('apps')
        .values({
          client_id: clientId,
          developer_id: developer.id,
          owner_org_id: null,
          display_name: application.displayName,
          description: application.description,
          interested_event_customers: serializeInterestedCustomers(application.eventCustomers),
          homepage_url: application.homepageUrl,
          privacy_url: application.privacyUrl,
          logo_url: null,
          redirect_uris: '[]',
          // Real ConCat clients never send PKCE (DESIGN.md); the developer may require it in the portal.
          require_pkce: 0,
          status: 'applied',
          review_note: '',
          created_at: nowIso,
          updated_at: nowIso,
          revoked_at: null,
          revoke_reason: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();

      const actor = { type: 'developer', id: String(developer.id) } as const;
      const ip = submission.ip ?? null;
      await recordAudit(trx, { orgId: null, actor, action: 'invitation.used', target: { type: 'invitation', id: String(invitation.id) }, details: { email: invitation.email }, ip }, clock);
      await recordAudit(trx, { orgId: null, actor, action: 'developer.created', target: { type: 'developer', id: String(developer.id) }, details: { email: invitation.email, invitationId: invitation.id }, ip }, clock);
      await recordAudit(trx, { orgId: null, actor, action: 'app.created', target: { type: 'app', id: String(app.id) }, details: { clientId, status: 'applied', displayName: application.displayName }, ip }, clock);

      await enqueueMail(trx, applicationReceivedMail({ to: invitation.email, name: application.name, appName: application.displayName, portalUrl }), clock);
      const consoleUrl = consoleAppLink(submission.publicUrl, app.id);
      for (const operator of await activeOperators(trx)) {
        await enqueueMail(trx, reviewWaitingMail({ to: operator.email, appName: application.displayName, developerName: application.name, answered: false, consoleUrl }), clock);
      }
      return { outcome: 'submitted' as const, developerId: developer.id, appId: app.id, email: invitation.email };
    });
  } catch (error) {
    if (error instanceof Unavailable) return { outcome: 'unavailable', reason: error.reason };
    throw error;
  }
}

/** Operators who can act on a notification: not disabled. */
export async function activeOperators(db: Kysely<Schema>): Promise<{ id: number; email: string }[]> {
  return db.selectFrom('operators').select(['id', 'email']).where('disabled_at', 'is', null).orderBy('id').execute();
}
