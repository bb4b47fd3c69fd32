import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { RegistrationStatus, Schema } from '../db/schema.js';
import { registrationUpdatedData } from '../events/event-registration.js';
import { recordEvent } from '../events/record-event.js';
import { checkOptionAnswers, loadOptionQuestions, type OptionQuestion, type RawAnswer, type StoredAnswer } from './option-answers.js';
import { badgeNameProblem, type RegistrationChangeOrigin } from './registration-changes.js';

/**
 * An attendee registering themselves for the instance's current convention and editing that
 * registration later: the badge level (a product of kind 'registration'), the badge name and the
 * convention's registration options. Each write validates, writes, audits and records one
 * `registration-updated` event in one transaction; a refusal or a change that alters nothing
 * writes nothing. An edit names the version it was made against (the registration's version
 * column, shared with `changeRegistration`), so an edit made on a stale page is refused rather
 * than silently overwriting a newer change.
 */

export interface BadgeLevel {
  id: number;
  name: string;
  priceCents: number;
}

export interface OwnRegistration {
  id: number;
  productId: number;
  badgeName: string;
  status: RegistrationStatus;
  /** Keyed by option definition id as text, as stored. */
  options: Record<string, StoredAnswer>;
  version: number;
}

export interface RegistrationForm {
  conventionId: number;
  conventionName: string;
  badgeLevels: BadgeLevel[];
  options: OptionQuestion[];
  registration: OwnRegistration | undefined;
}

/** What the attendee chose: product null when none (or nothing valid) was picked; answers keyed by option id. */
export interface RegistrationChoices {
  productId: number | null;
  badgeName: string;
  answers: ReadonlyMap<number, RawAnswer>;
}

/** Problems by form field: 'productId', 'badgeName', 'option-<id>'. */
export type RegistrationErrors = Record<string, string>;

export type RegistrationCreateResult =
  | { ok: true; registrationId: number; version: number }
  | { ok: false; reason: 'no-convention' }
  | { ok: false; reason: 'already-registered' }
  | { ok: false; reason: 'invalid'; errors: RegistrationErrors };

export type RegistrationUpdateResult =
  | { ok: true; changed: boolean; version: number }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'stale'; version: number }
  | { ok: false; reason: 'closed'; status: RegistrationStatus }
  | { ok: false; reason: 'invalid'; errors: RegistrationErrors };

/** Statuses in which the attendee may still edit their registration. */
const EDITABLE: readonly RegistrationStatus[] = ['unpaid', 'paid'];

export function optionField(optionId: number): string {
  return `option-${optionId}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The stored answers; anything malformed reads as unanswered. */
function parseStoredAnswers(text: string): Record<string, StoredAnswer> {
  const parsed = parseJson(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const values: Record<string, StoredAnswer> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'number' || typeof value === 'string') values[key] = value;
    else if (Array.isArray(value)) values[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return values;
}

async function currentConvention(db: Kysely<Schema>, orgId: number) {
  return db.selectFrom('conventions').select(['id', 'name']).where('org_id', '=', orgId).where('is_current', '=', 1).executeTakeFirst();
}

async function badgeLevels(db: Kysely<Schema>, orgId: number, conventionId: number): Promise<BadgeLevel[]> {
  const rows = await db
    .selectFrom('products')
    .select(['id', 'name', 'display_name', 'price_cents'])
    .where('org_id', '=', orgId)
    .where('convention_id', '=', conventionId)
    .where('kind', '=', 'registration')
    .orderBy('sort_order')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.display_name ?? r.name, priceCents: r.price_cents }));
}

async function ownRegistration(db: Kysely<Schema>, orgId: number, conventionId: number, userId: number): Promise<OwnRegistration | undefined> {
  const row = await db
    .selectFrom('registrations')
    .select(['id', 'product_id', 'badge_name', 'status', 'option_values', 'version'])
    .where('org_id', '=', orgId)
    .where('convention_id', '=', conventionId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { id: row.id, productId: row.product_id, badgeName: row.badge_name, status: row.status, options: parseStoredAnswers(row.option_values), version: row.version };
}

/** The current convention's registration form and the user's registration for it; undefined when there is no current convention. */
export async function loadRegistrationForm(db: Kysely<Schema>, orgId: number, userId: number): Promise<RegistrationForm | undefined> {
  const convention = await currentConvention(db, orgId);
  if (convention === undefined) return undefined;
  return {
    conventionId: convention.id,
    conventionName: convention.name,
    badgeLevels: await badgeLevels(db, orgId, convention.id),
    options: await loadOptionQuestions(db, orgId, convention.id, 'registration'),
    registration: await ownRegistration(db, orgId, convention.id, userId),
  };
}

/**
 * The choices checked against the form: the values to store, or every problem found. Stored
 * answers to options the form no longer asks (a removed definition) are kept.
 */
function validateChoices(form: RegistrationForm, choices: RegistrationChoices, stored: Record<string, StoredAnswer>): { ok: true; productId: number; options: Record<string, StoredAnswer> } | { ok: false; errors: RegistrationErrors } {
  const errors: RegistrationErrors = {};
  if (choices.productId === null) errors.productId = 'Choose a badge level.';
  else if (!form.badgeLevels.some((level) => level.id === choices.productId)) errors.productId = 'Choose one of the badge levels offered for this convention.';
  const badge = badgeNameProblem(choices.badgeName);
  if (badge !== null) errors.badgeName = `Badge name ${badge}.`;
  const checked = checkOptionAnswers(form.options, choices.answers);
  if (!checked.ok) for (const [id, message] of Object.entries(checked.errors)) errors[optionField(Number(id))] = message;
  const asked = new Set(form.options.map((o) => String(o.id)));
  const options: Record<string, StoredAnswer> = checked.ok ? { ...checked.values } : {};
  for (const [key, value] of Object.entries(stored)) if (!asked.has(key)) options[key] = value;
  if (Object.keys(errors).length > 0 || choices.productId === null) return { ok: false, errors };
  return { ok: true, productId: choices.productId, options };
}

/** The answers as stored: keys sorted, so equal answers always compare (and store) equal. */
function storedOptions(options: Record<string, StoredAnswer>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(options).sort(([a], [b]) => Number(a) - Number(b))));
}

function changedOptionIds(before: Record<string, StoredAnswer>, after: Record<string, StoredAnswer>): number[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map(Number).sort((a, b) => a - b);
}

async function recordUpdatedEvent(trx: Kysely<Schema>, orgId: number, userId: number, registrationId: number, origin: RegistrationChangeOrigin, clock: Clock): Promise<void> {
  const data = await registrationUpdatedData(trx, orgId, registrationId);
  if (data === undefined) throw new Error(`registration ${registrationId} vanished inside its own change`);
  await recordEvent(trx, { orgId, type: 'registration-updated', data: { ...data }, actor: origin.actor, subject: { type: 'user', id: String(userId) } }, clock);
}

export interface RegistrationSignup extends RegistrationChoices {
  orgId: number;
  userId: number;
}

/** Registers the user for the current convention, unpaid. Refused without a current convention, when already registered, or for invalid choices. */
export async function registerForConvention(db: Kysely<Schema>, signup: RegistrationSignup, origin: RegistrationChangeOrigin, clock: Clock): Promise<RegistrationCreateResult> {
  const { orgId, userId } = signup;
  return db.transaction().execute(async (trx): Promise<RegistrationCreateResult> => {
    const form = await loadRegistrationForm(trx, orgId, userId);
    if (form === undefined) return { ok: false, reason: 'no-convention' };
    if (form.registration !== undefined) return { ok: false, reason: 'already-registered' };
    const valid = validateChoices(form, signup, {});
    if (!valid.ok) return { ok: false, reason: 'invalid', errors: valid.errors };
    const now = isoTimestamp(clock.now());
    // Two concurrent sign-ups of one user: the unique (convention, user) lets exactly one insert.
    const inserted = await trx
      .insertInto('registrations')
      .values({ org_id: orgId, convention_id: form.conventionId, user_id: userId, product_id: valid.productId, badge_name: signup.badgeName, status: 'unpaid', badge_art_id: null, option_values: storedOptions(valid.options), version: 1, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['convention_id', 'user_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined) return { ok: false, reason: 'already-registered' };
    await recordAudit(
      trx,
      { orgId, actor: origin.actor, action: 'registration.created', target: { type: 'user', id: String(userId) }, details: { registrationId: inserted.id, conventionId: form.conventionId, productId: valid.productId, badgeName: signup.badgeName, options: valid.options }, ip: origin.ip },
      clock,
    );
    await recordUpdatedEvent(trx, orgId, userId, inserted.id, origin, clock);
    return { ok: true, registrationId: inserted.id, version: 1 };
  });
}

export interface RegistrationEdit extends RegistrationChoices {
  orgId: number;
  userId: number;
  /** The version the user's page showed. */
  expectedVersion: number;
}

/**
 * Edits the user's own registration for the current convention. Refused: none (`not-found`), a
 * version other than the current one (`stale`), a cancelled or refunded registration (`closed`),
 * invalid choices, and a new badge level for a registration already paid (a price difference is
 * for the registration desk to settle).
 */
export async function updateOwnRegistration(db: Kysely<Schema>, edit: RegistrationEdit, origin: RegistrationChangeOrigin, clock: Clock): Promise<RegistrationUpdateResult> {
  const { orgId, userId } = edit;
  return db.transaction().execute(async (trx): Promise<RegistrationUpdateResult> => {
    const form = await loadRegistrationForm(trx, orgId, userId);
    const current = form?.registration;
    if (form === undefined || current === undefined) return { ok: false, reason: 'not-found' };
    if (current.version !== edit.expectedVersion) return { ok: false, reason: 'stale', version: current.version };
    if (!EDITABLE.includes(current.status)) return { ok: false, reason: 'closed', status: current.status };
    // The level held stays selectable even if it is no longer offered, so other edits stay possible.
    const offered = form.badgeLevels.some((l) => l.id === current.productId) ? form : { ...form, badgeLevels: [...form.badgeLevels, { id: current.productId, name: '', priceCents: 0 }] };
    const valid = validateChoices(offered, edit, current.options);
    const levelChange = edit.productId !== null && edit.productId !== current.productId;
    const errors: RegistrationErrors = valid.ok ? {} : { ...valid.errors };
    if (levelChange && current.status === 'paid') errors.productId = 'Your registration is paid: ask the registration desk to change its badge level.';
    if (!valid.ok || Object.keys(errors).length > 0) return { ok: false, reason: 'invalid', errors };

    const productId = valid.productId;
    const optionsChanged = changedOptionIds(current.options, valid.options);
    const badgeName = edit.badgeName !== current.badgeName ? { from: current.badgeName, to: edit.badgeName } : null;
    const product = levelChange ? { from: current.productId, to: productId } : null;
    if (product === null && badgeName === null && optionsChanged.length === 0) return { ok: true, changed: false, version: current.version };

    const updated = await trx
      .updateTable('registrations')
      .set({ product_id: productId, badge_name: edit.badgeName, option_values: storedOptions(valid.options), version: current.version + 1, updated_at: isoTimestamp(clock.now()) })
      .where('org_id', '=', orgId)
      .where('id', '=', current.id)
      .where('version', '=', current.version)
      .returning('version')
      .executeTakeFirst();
    if (updated === undefined) {
      // Another change committed between the read and this write.
      const now = await ownRegistration(trx, orgId, form.conventionId, userId);
      return now === undefined ? { ok: false, reason: 'not-found' } : { ok: false, reason: 'stale', version: now.version };
    }
    await recordAudit(
      trx,
      {
        orgId,
        actor: origin.actor,
        action: 'registration.updated',
        target: { type: 'user', id: String(userId) },
        details: { registrationId: current.id, ...(product === null ? {} : { productId: product }), ...(badgeName === null ? {} : { badgeName }), optionsChanged },
        ip: origin.ip,
      },
      clock,
    );
    await recordUpdatedEvent(trx, orgId, userId, current.id, origin, clock);
    return { ok: true, changed: true, version: updated.version };
  });
}
