import type { InsertObject, Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { createConventionCatalog, createOrgCatalog } from './catalog.js';
import { seedDealers } from './dealers.js';
import { insertAll } from './insert-all.js';
import type { DemoInstanceDefinition } from './instances.js';
import { PeopleGenerator, type DemoPerson } from './people.js';
import { SeededRandom } from './random.js';
import { seedRegistrations } from './registrations.js';
import {
  DAY_MS,
  dateOnly,
  iso,
  requireId,
  type InstanceSeeding,
  type SeededConvention,
  type SeededUser,
} from './seed-context.js';
import { seedStaff } from './staff.js';
import { seedVolunteers } from './volunteers.js';

/** Registration opens this long before a convention starts. */
const REGISTRATION_WINDOW_DAYS = 300;

export interface InstanceSeedOptions {
  definition: DemoInstanceDefinition;
  /** Users in the instance, the org admin included. */
  users: number;
  anchorMs: number;
  adminPasswordHash: string;
  /** Every attendee shares one password, hashed once: argon2 for 100k users would take minutes. */
  attendeePasswordHash: string;
  clock: Clock;
  onProgress: (message: string) => void;
}

export interface SeededInstance {
  orgId: number;
  admin: SeededUser;
  /** An ordinary attendee to sign in as; absent when the instance has only its admin. */
  sampleAttendee: SeededUser | undefined;
  counts: Readonly<Record<string, number>>;
}

/** One instance, filled: org, conventions and their catalogs, people and what they did. */
export async function seedInstance(db: Kysely<Schema>, options: InstanceSeedOptions): Promise<SeededInstance> {
  const { definition, anchorMs } = options;
  // Each instance draws from its own stream, so the first one's size does not change the second.
  const random = new SeededRandom(`concat-demo:${definition.slug}`);
  const orgCreatedMs = anchorMs - 5 * 365 * DAY_MS;

  const org = await db
    .insertInto('orgs')
    .values({ slug: definition.slug, name: definition.name, uuid: random.uuid(), created_at: iso(orgCreatedMs) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const orgId = org.id;
  await db
    .insertInto('org_base_urls')
    .values({ org_id: orgId, host: '', path_prefix: `/o/${definition.slug}`, is_primary: 1 })
    .execute();

  const conventions = await createConventions(db, orgId, definition, anchorMs);
  const orgCatalog = await createOrgCatalog(db, orgId, definition, orgCreatedMs);

  const [admin, ...attendees] = await createUsers(db, orgId, random, options, orgCreatedMs);
  if (admin === undefined) throw new Error('a demo instance needs at least its admin user');
  options.onProgress(`${definition.slug}: ${options.users} users`);

  const seeding: InstanceSeeding = { db, random, definition, orgId, anchorMs, conventions, orgCatalog, attendees };
  const registrations = await seedRegistrations(seeding);
  options.onProgress(`${definition.slug}: ${registrations} registrations`);
  const volunteers = await seedVolunteers(seeding);
  const dealers = await seedDealers(seeding);
  const staff = await seedStaff(seeding, admin, volunteers);
  options.onProgress(
    `${definition.slug}: ${volunteers.count} volunteers, ${dealers} dealers, ${staff.assignments} role assignments`,
  );

  const counts = {
    conventions: conventions.length,
    users: options.users,
    registrations,
    volunteers: volunteers.count,
    dealers,
    roles: staff.roles,
    roleAssignments: staff.assignments,
    departmentLeads: staff.departmentLeads,
  };
  const system = { type: 'system', id: null } as const;
  const orgTarget = { type: 'org', id: String(orgId) };
  const audit = { orgId, actor: system, target: orgTarget };
  await recordAudit(db, { ...audit, action: 'instance.created', details: { slug: definition.slug } }, options.clock);
  await recordAudit(
    db,
    {
      ...audit,
      action: 'user.role.added',
      target: { type: 'user', id: String(admin.id) },
      details: { role: 'admin', scope: 'global' },
    },
    options.clock,
  );
  await recordAudit(db, { ...audit, action: 'demo.seeded', details: counts }, options.clock);
  return { orgId, admin, sampleAttendee: attendees[0], counts };
}

/** The current convention and, before it, one per past year; oldest first. */
async function createConventions(
  db: Kysely<Schema>,
  orgId: number,
  definition: DemoInstanceDefinition,
  anchorMs: number,
): Promise<SeededConvention[]> {
  const currentStart = new Date(anchorMs + definition.daysUntilConvention * DAY_MS);
  const conventions: SeededConvention[] = [];
  for (let yearsAgo = definition.pastConventions; yearsAgo >= 0; yearsAgo--) {
    const year = currentStart.getUTCFullYear() - yearsAgo;
    const startMs = Date.UTC(year, currentStart.getUTCMonth(), currentStart.getUTCDate());
    const opensMs = startMs - REGISTRATION_WINDOW_DAYS * DAY_MS;
    const createdAt = iso(opensMs - 30 * DAY_MS);
    const name = `${definition.conventionName} ${year}`;
    const row = await db
      .insertInto('conventions')
      .values({
        org_id: orgId,
        name,
        slug: `${definition.conventionSlugPrefix}-${year}`,
        starts_on: dateOnly(startMs),
        ends_on: dateOnly(startMs + (definition.conventionDays - 1) * DAY_MS),
        is_current: yearsAgo === 0 ? 1 : 0,
        created_at: createdAt,
        updated_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const catalog = await createConventionCatalog(db, orgId, row.id, definition, opensMs - 30 * DAY_MS);
    conventions.push({ id: row.id, name, startMs, opensMs, catalog });
  }
  return conventions;
}

/** The org admin first, then the generated attendees; with their ids. */
async function createUsers(
  db: Kysely<Schema>,
  orgId: number,
  random: SeededRandom,
  options: InstanceSeedOptions,
  orgCreatedMs: number,
): Promise<SeededUser[]> {
  const { definition } = options;
  const admin: DemoPerson = {
    ...definition.admin,
    preferredName: null,
    email: `${definition.admin.username}@${definition.orgDomain}`,
    emailVerified: true,
    phone: '+13125550100',
    address: null,
    bornAt: null,
    identityVerified: true,
    newsletter: false,
    profilePictureUrl: null,
    socialLinks: {},
    createdAtMs: orgCreatedMs,
    updatedAtMs: orgCreatedMs,
  };
  const people = new PeopleGenerator(random, definition.emailDomains, new Date(options.anchorMs));
  people.reserve(admin.username, admin.email);
  const persons = [admin];
  for (let i = 1; i < options.users; i++) persons.push(people.next());

  await insertAll(
    db,
    'users',
    persons.map((person) =>
      userRow(orgId, person, person === admin ? options.adminPasswordHash : options.attendeePasswordHash),
    ),
  );
  const ids = await db.selectFrom('users').select(['id', 'username_normalized']).where('org_id', '=', orgId).execute();
  const idByUsername = new Map(ids.map((row) => [row.username_normalized, row.id]));
  return persons.map((person) => ({ id: requireId(idByUsername, person.username.toLowerCase()), person }));
}

function userRow(orgId: number, person: DemoPerson, passwordHash: string): InsertObject<Schema, 'users'> {
  return {
    org_id: orgId,
    username: person.username,
    username_normalized: person.username.toLowerCase(),
    first_name: person.firstName,
    last_name: person.lastName,
    preferred_name: person.preferredName,
    email: person.email,
    email_normalized: person.email.toLowerCase(),
    email_verified: person.emailVerified ? 1 : 0,
    phone: person.phone,
    address_line1: person.address?.line1 ?? null,
    address_line2: person.address?.line2 ?? null,
    address_city: person.address?.city ?? null,
    address_state: person.address?.state ?? null,
    address_zipcode: person.address?.zipcode ?? null,
    address_country: person.address?.country ?? null,
    born_at: person.bornAt,
    identity_verified: person.identityVerified ? 1 : 0,
    newsletter: person.newsletter ? 1 : 0,
    profile_picture_url: person.profilePictureUrl,
    password_hash: passwordHash,
    social_links: JSON.stringify(person.socialLinks),
    created_at: iso(person.createdAtMs),
    updated_at: iso(person.updatedAtMs),
  };
}
