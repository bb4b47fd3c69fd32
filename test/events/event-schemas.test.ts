import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { recordAppRevoked } from '../../src/events/integration-events.js';
import { EVENT_SCHEMAS, messageSchema } from '../../src/events/event-schemas.js';
import { EVENT_TYPES, findEventType } from '../../src/events/event-types.js';
import { changeRegistration } from '../../src/instance/registration-changes.js';
import { updateUserProfile } from '../../src/instance/user-profile-changes.js';
import { assignRole, removeRole } from '../../src/instance/user-roles.js';
import { assignVolunteer, unassignVolunteer } from '../../src/instance/volunteer-assignments.js';
import { submitVolunteerApplication, updateVolunteerApplication, withdrawVolunteerApplication } from '../../src/instance/volunteer-self-service.js';
import { changeIntegrationPermissions, createIntegration, removeIntegration } from '../../src/platform/integrations.js';
import { openTestDatabase } from '../support/database.js';
import { addDepartment, addFlag, addProduct, addRegistration } from '../instance/event-data-fixtures.js';
import { addDeveloperApp, addOrg, addUser, grantRole, type FixtureOrg } from '../instance/fixtures.js';

const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
const validators = new Map(EVENT_TYPES.map((t) => [t.name, ajv.compile(EVENT_SCHEMAS[t.name].schema)]));

function expectValid(type: string, data: unknown): void {
  const validate = validators.get(findEventType(type)?.name ?? 'user-updated');
  expect(findEventType(type), `${type} is not in the catalog`).toBeDefined();
  expect(validate?.(data), `${type}: ${ajv.errorsText(validate?.errors)}\n${JSON.stringify(data)}`).toBe(true);
}

describe('event schemas', () => {
  test('every catalog type has a schema and an example that validates against it', () => {
    expect(Object.keys(EVENT_SCHEMAS).sort()).toEqual(EVENT_TYPES.map((t) => t.name).sort());
    for (const type of EVENT_TYPES) {
      expectValid(type.name, EVENT_SCHEMAS[type.name].example);
      expect(ajv.validate(messageSchema(type.name), { event: type.name, data: EVENT_SCHEMAS[type.name].example })).toBe(true);
    }
  });

  test('the schemas have teeth: a missing field, an extra field or a wrong type is refused', () => {
    const example = EVENT_SCHEMAS['volunteer-assigned'].example;
    const validate = validators.get('volunteer-assigned');
    expect(validate?.({ ...example, department: undefined })).toBe(false);
    expect(validate?.({ ...example, extra: 1 })).toBe(false);
    expect(validate?.({ ...example, user: { ...EVENT_SCHEMAS['user-updated'].example, verified: 'yes' } })).toBe(false);
    expect(ajv.validate(messageSchema('role-assigned'), { event: 'role-unassigned', data: EVENT_SCHEMAS['role-assigned'].example })).toBe(false);
  });
});

describe('payloads recorded by real changes match their schemas', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
  });
  afterAll(async () => {
    await close();
  });

  test('registration, profile, role, volunteer and integration changes', async () => {
    const orgId = furfest.orgId;
    const app = { actor: { type: 'app' as const, id: '4310001' }, ip: '203.0.113.9' };
    const userId = await addUser(database.db, orgId, 'kit', null, clock);
    const versionOf = async () => (await database.db.selectFrom('users').select('updated_at').where('id', '=', userId).executeTakeFirstOrThrow()).updated_at;

    const product = await addProduct(database.db, orgId, furfest.currentConventionId, 'attendee');
    const flag = await addFlag(database.db, orgId, 'fursuits');
    await addRegistration(database.db, orgId, furfest.currentConventionId, userId, product, { badgeName: 'Kit' });
    expect(await changeRegistration(database.db, { orgId, userId, ifMatch: null, status: 'paid', badgeName: 'Kitty', addFlagIds: [flag] }, app, clock)).toMatchObject({ ok: true, changed: true });

    clock.advance(1000);
    expect(await updateUserProfile(database.db, { orgId, userId, changes: { city: 'Chicago' }, expectedUpdatedAt: await versionOf() }, { actor: { type: 'user', id: String(userId) }, ip: null }, clock)).toMatchObject({ ok: true });

    const roleId = await grantRole(database.db, orgId, await addUser(database.db, orgId, 'other', null, clock), [], clock);
    expect(await assignRole(database.db, { orgId, userId, roleId, scope: 'convention' }, app, clock)).toMatchObject({ ok: true });
    expect(await removeRole(database.db, { orgId, userId, roleId, scope: null }, app, clock)).toMatchObject({ ok: true });

    const department = await addDepartment(database.db, orgId, 'Security');
    const who = { actor: { type: 'user' as const, id: String(userId) }, ip: null };
    const application = {
      contactMethods: [{ name: 'Email', value: 'kit@example.org' }, { name: 'discord', value: 'kit#1' }],
      primaryContactMethod: 'email',
      preferences: new Map([[department, ['interest'] as const]]),
      availableBeforeCon: true,
      anythingElse: '',
      previousConExperience: 'Ops 2024',
      previousOtherExperience: '',
      eventsCanNotMiss: '',
      options: new Map(),
    };
    const submitted = await submitVolunteerApplication(database.db, { orgId, userId, application }, who, clock);
    if (!submitted.ok) throw new Error(`submit refused: ${JSON.stringify(submitted)}`);
    clock.advance(1000);
    const updated = await updateVolunteerApplication(database.db, { orgId, userId, application: { ...application, anythingElse: 'Night shifts please' }, expectedUpdatedAt: submitted.volunteer.updatedAt }, who, clock);
    if (!updated.ok) throw new Error(`update refused: ${JSON.stringify(updated)}`);
    expect(await assignVolunteer(database.db, { orgId, userId, departmentId: department }, app, clock)).toEqual({ ok: true, changed: true });
    expect(await unassignVolunteer(database.db, { orgId, userId, departmentId: department }, app, clock)).toEqual({ ok: true, changed: true });
    const version = (await database.db.selectFrom('volunteers').select('updated_at').where('user_id', '=', userId).executeTakeFirstOrThrow()).updated_at;
    expect(await withdrawVolunteerApplication(database.db, { orgId, userId, expectedUpdatedAt: version }, who, clock)).toEqual({ ok: true });

    const cli = { actor: { type: 'cli' as const }, ip: null };
    const developerApp = await addDeveloperApp(database.db, { name: 'Badge Printer', status: 'approved' }, clock);
    const integrationId = await createIntegration(database.db, { orgId, appId: developerApp.appId, scopes: ['user:read'], oboEnabled: false }, cli, clock);
    expect(await changeIntegrationPermissions(database.db, { orgId, integrationId, scopes: ['user:read', 'registration:read'], oboEnabled: true }, cli, clock)).toBe(true);
    expect(await database.db.transaction().execute((trx) => recordAppRevoked(trx, developerApp.appId, { type: 'system', id: null }, clock))).toBe(1);
    await removeIntegration(database.db, { orgId, integrationId }, cli, clock);

    const events = await database.db.selectFrom('events').select(['type', 'data', 'subject_type', 'subject_id']).where('org_id', '=', orgId).orderBy('id').execute();
    // Every type of the catalog was recorded at least once by a real change.
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES.map((t) => t.name)));
    for (const event of events) expectValid(event.type, JSON.parse(event.data));
    const lifecycle = events.filter((e) => findEventType(e.type)?.scope === null);
    expect(lifecycle.map((e) => e.type)).toEqual(['integration-created', 'integration-permissions-changed', 'app-revoked', 'integration-removed']);
    for (const event of lifecycle) expect(event).toMatchObject({ subject_type: 'integration', subject_id: String(integrationId) });
    expect(JSON.parse(lifecycle[1]?.data ?? '')).toEqual({
      integration: { id: String(integrationId), appClientId: String(developerApp.clientId), scopes: ['user:read', 'registration:read'], oboEnabled: true },
      previous: { scopes: ['user:read'], oboEnabled: false },
    });
  });
});
