import type { Kysely } from 'kysely';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema, UsersTable } from '../db/schema.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { eventUser } from '../events/event-user.js';
import { recordEvent } from '../events/record-event.js';
import { isCountryCode } from './country-codes.js';
import { findUserProfile, type UserProfile } from './user-profile.js';

/**
 * Changes to a user's own profile: names, username, phone, address, newsletter and picture.
 * (The email address is not among them: a new one needs proof of ownership first, see
 * user-email-change.ts.) A change validates every field, then writes, audits and records one
 * `user-updated` event in one transaction; nothing is written or recorded for a refusal or for
 * a change that changes nothing.
 *
 * Lost updates are refused, not resolved: the caller passes the `updatedAt` it last read, and
 * the write only happens while the row still has that version, so of two edits made from the
 * same view the second is told someone saved meanwhile.
 */

/** The fields a change may set; an absent field stays as it is, '' clears an optional one. */
export interface ProfileChanges {
  firstName?: string;
  lastName?: string;
  preferredName?: string;
  username?: string;
  phone?: string;
  addressLine1?: string;
  addressLine2?: string;
  city?: string;
  state?: string;
  zipcode?: string;
  country?: string;
  newsletter?: boolean;
  profilePictureUrl?: string;
}

export type ProfileField = keyof ProfileChanges;

export interface ProfileUpdate {
  orgId: number;
  userId: number;
  changes: ProfileChanges;
  /** The profile's `updatedAt` as the editor last saw it. */
  expectedUpdatedAt: string;
}

export interface ProfileChangeOrigin {
  actor: AuditEntry['actor'];
  ip: string | null;
}

/** Problems with the submitted fields, by field name. */
export type ProfileErrors = Partial<Record<ProfileField, string>>;

export type ProfileUpdateResult =
  | { ok: true; changed: ProfileField[]; profile: UserProfile }
  | { ok: false; reason: 'invalid'; errors: ProfileErrors }
  | { ok: false; reason: 'user-not-found' | 'stale' };

const NAME_MAX = 100;
const ADDRESS_MAX = 200;
const URL_MAX = 2048;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Whether the text holds a control character (C0, DEL, C1): they have no place in a name or an address line. */
function hasControlCharacter(value: string): boolean {
  return [...value].some((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
}

/** A field's value as stored, or the message telling the user what is wrong with it. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function text(value: string, label: string, options: { required: boolean; max: number }): Checked<string | null> {
  const trimmed = value.trim();
  if (trimmed === '') return options.required ? { ok: false, error: `Enter your ${label}.` } : { ok: true, value: null };
  if (trimmed.length > options.max) return { ok: false, error: `Your ${label} can be at most ${options.max} characters long.` };
  if (hasControlCharacter(trimmed)) return { ok: false, error: `Your ${label} contains characters that cannot be used.` };
  return { ok: true, value: trimmed };
}

/** A username as chosen (trimmed, case kept); unique per instance by its lower-cased form. */
export function checkUsername(value: string): Checked<string> {
  const trimmed = value.trim();
  if (trimmed === '') return { ok: false, error: 'Enter a username.' };
  if (!USERNAME.test(trimmed)) return { ok: false, error: 'A username has 3 to 32 characters: letters, digits, dots, dashes and underscores, starting with a letter or digit.' };
  return { ok: true, value: trimmed };
}

/** E.164 (+, country code, number; at most 15 digits); spaces, dashes, dots and parentheses are dropped first. */
function phone(value: string): Checked<string | null> {
  const compact = value.replace(/[\s().-]/g, '');
  if (compact === '') return { ok: true, value: null };
  if (!E164.test(compact)) return { ok: false, error: 'Enter the phone number in international format: + and the country code, then the number, e.g. +15555550123.' };
  return { ok: true, value: compact };
}

function country(value: string): Checked<string | null> {
  const code = value.trim().toUpperCase();
  if (code === '') return { ok: true, value: null };
  if (!isCountryCode(code)) return { ok: false, error: 'Enter the two-letter ISO country code, e.g. US, CA, GB or DE.' };
  return { ok: true, value: code };
}

/** A required name (first or last), e.g. checkPersonName(value, 'first name'). */
export function checkPersonName(value: string, label: string): Checked<string> {
  const checked = text(value, label, { required: true, max: NAME_MAX });
  if (!checked.ok) return checked;
  return checked.value === null ? { ok: false, error: `Enter your ${label}.` } : { ok: true, value: checked.value };
}

function pictureUrl(value: string): Checked<string | null> {
  const trimmed = value.trim();
  if (trimmed === '') return { ok: true, value: null };
  if (trimmed.length > URL_MAX) return { ok: false, error: `The picture address can be at most ${URL_MAX} characters long.` };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, error: 'Enter the full address of the picture, starting with https://.' };
  }
  if (url.protocol !== 'https:') return { ok: false, error: 'The picture address must start with https://, so it is never loaded over an insecure connection.' };
  if (url.username !== '' || url.password !== '') return { ok: false, error: 'The picture address must not contain a user name or password.' };
  return { ok: true, value: url.href };
}

type UserColumns = Pick<UsersTable, 'first_name' | 'last_name' | 'preferred_name' | 'username' | 'phone' | 'address_line1' | 'address_line2' | 'address_city' | 'address_state' | 'address_zipcode' | 'address_country' | 'newsletter' | 'profile_picture_url'>;

/**
 * The validated changes as column values, or every field's problem. A field submitted as it is
 * stored is no change and is not checked again: rules stricter than those the data was created
 * under (seeded or imported accounts) must not stop a user from saving their other fields.
 */
function validate(changes: ProfileChanges, stored: UserColumns): { ok: true; columns: Partial<UserColumns> } | { ok: false; errors: ProfileErrors } {
  const errors: ProfileErrors = {};
  const columns: Partial<UserColumns> = {};
  const take = <C extends Exclude<keyof UserColumns, 'newsletter'>>(field: ProfileField, column: C, check: (value: string) => Checked<UserColumns[C]>): void => {
    const raw = changes[field];
    if (typeof raw !== 'string' || raw.trim() === (stored[column] ?? '')) return;
    const checked = check(raw);
    if (checked.ok) columns[column] = checked.value;
    else errors[field] = checked.error;
  };
  const optional = (label: string, max: number) => (value: string) => text(value, label, { required: false, max });
  take('firstName', 'first_name', (value) => checkPersonName(value, 'first name'));
  take('lastName', 'last_name', (value) => checkPersonName(value, 'last name'));
  take('preferredName', 'preferred_name', optional('preferred name', NAME_MAX));
  take('username', 'username', checkUsername);
  take('phone', 'phone', phone);
  take('addressLine1', 'address_line1', optional('address', ADDRESS_MAX));
  take('addressLine2', 'address_line2', optional('address', ADDRESS_MAX));
  take('city', 'address_city', optional('city', ADDRESS_MAX));
  take('state', 'address_state', optional('state or region', ADDRESS_MAX));
  take('zipcode', 'address_zipcode', optional('postal code', 20));
  take('country', 'address_country', country);
  take('profilePictureUrl', 'profile_picture_url', pictureUrl);
  if (changes.newsletter !== undefined) columns.newsletter = changes.newsletter ? 1 : 0;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, columns };
}

const FIELD_OF_COLUMN: Readonly<Record<keyof UserColumns, ProfileField>> = {
  first_name: 'firstName',
  last_name: 'lastName',
  preferred_name: 'preferredName',
  username: 'username',
  phone: 'phone',
  address_line1: 'addressLine1',
  address_line2: 'addressLine2',
  address_city: 'city',
  address_state: 'state',
  address_zipcode: 'zipcode',
  address_country: 'country',
  newsletter: 'newsletter',
  profile_picture_url: 'profilePictureUrl',
};

/**
 * The version a write gives the row: now, or just after the current one when the clock has not
 * moved past it, so every committed change has a version no earlier editor can hold.
 */
export function nextVersion(current: string, clock: Clock): string {
  const now = clock.now();
  const after = new Date(new Date(current).getTime() + 1);
  return isoTimestamp(Number.isNaN(after.getTime()) || now > after ? now : after);
}

/** Records `user-updated` with the user as committed by `trx` (ConCat reference §9: the user plus organizationId). */
export async function recordUserUpdated(trx: Kysely<Schema>, orgId: number, userId: number, actor: AuditEntry['actor'], clock: Clock): Promise<void> {
  const user = await eventUser(trx, orgId, userId);
  const org = await trx.selectFrom('orgs').select('uuid').where('id', '=', orgId).executeTakeFirstOrThrow();
  if (user === undefined) throw new Error('user-updated for a user that does not exist');
  await recordEvent(trx, { orgId, type: 'user-updated', data: { user: { ...user, organizationId: org.uuid } }, actor, subject: { type: 'user', id: user.id } }, clock);
}

export async function updateUserProfile(db: Kysely<Schema>, update: ProfileUpdate, origin: ProfileChangeOrigin, clock: Clock): Promise<ProfileUpdateResult> {
  try {
    return await db.transaction().execute((trx) => applyChanges(trx, update, origin, clock));
  } catch (error) {
    // Two users claiming the same free username at once: both pass the check, the unique index lets one commit.
    if (isUniqueViolation(error)) return { ok: false, reason: 'invalid', errors: { username: USERNAME_TAKEN } };
    throw error;
  }
}

const USERNAME_TAKEN = 'That username is taken. Choose another one.';

async function profileOf(trx: Kysely<Schema>, orgId: number, userId: number): Promise<UserProfile> {
  const profile = await findUserProfile(trx, orgId, userId);
  if (profile === undefined) throw new Error('profile read within its own transaction vanished');
  return profile;
}

async function applyChanges(trx: Kysely<Schema>, update: ProfileUpdate, origin: ProfileChangeOrigin, clock: Clock): Promise<ProfileUpdateResult> {
  const { orgId, userId } = update;
  const current = await trx.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
  if (current === undefined) return { ok: false, reason: 'user-not-found' };
  if (current.updated_at !== update.expectedUpdatedAt) return { ok: false, reason: 'stale' };
  const validated = validate(update.changes, current);
  if (!validated.ok) return { ok: false, reason: 'invalid', errors: validated.errors };
  const wanted = validated.columns;
  const columns = (Object.keys(wanted) as (keyof UserColumns)[]).filter((column) => wanted[column] !== current[column]);
  if (columns.length === 0) return { ok: true, changed: [], profile: await profileOf(trx, orgId, userId) };
  const values: Partial<UserColumns> = {};
  for (const column of columns) Object.assign(values, { [column]: wanted[column] });
  if (values.username !== undefined) {
    const normalized = values.username.toLowerCase();
    const holder = await trx.selectFrom('users').select('id').where('org_id', '=', orgId).where('username_normalized', '=', normalized).where('id', '!=', userId).executeTakeFirst();
    if (holder !== undefined) return { ok: false, reason: 'invalid', errors: { username: USERNAME_TAKEN } };
    Object.assign(values, { username_normalized: normalized });
  }
  // Conditional on the version read above: a concurrent change that committed in between makes this update match nothing.
  const updated = await trx
    .updateTable('users')
    .set({ ...values, updated_at: nextVersion(current.updated_at, clock) })
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .where('updated_at', '=', update.expectedUpdatedAt)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) return { ok: false, reason: 'stale' };
  const changed = columns.map((column) => FIELD_OF_COLUMN[column]);
  // Field names only: the values are personal data, and the audit log outlives them.
  await recordAudit(trx, { orgId, actor: origin.actor, action: 'user.profile-updated', target: { type: 'user', id: String(userId) }, details: { fields: changed }, ip: origin.ip }, clock);
  await recordUserUpdated(trx, orgId, userId, origin.actor, clock);
  return { ok: true, changed, profile: await profileOf(trx, orgId, userId) };
}
