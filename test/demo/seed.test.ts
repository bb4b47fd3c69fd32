import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { isDatabaseEmpty, seedDemo, type DemoSummary } from '../../src/demo/seed.js';
import { SERVICE_SCOPE_NAMES } from '../../src/oauth/scopes.js';
import { verifyPassword } from '../../src/security/passwords.js';
import { hashSecret, secretMatches } from '../../src/security/secrets.js';
import { SCHEMA_TABLES } from '../db/schema-tables.js';
import { openTestDatabase } from '../support/database.js';

const publicUrl = new URL('https://localhost:8443');
const seedTime = '2026-12-04T10:00:00.000Z';

/** Columns whose values are random on purpose: passwords and secrets (and what is derived from them). */
const RANDOM_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  users: ['password_hash'],
  operators: ['password_hash'],
  developers: ['password_hash'],
  invitations: ['token_hash'],
  app_secrets: ['secret_hash', 'hint'],
};

/** Every row of every table as JSON text, sorted, without the columns named in `without`. */
async function dumpTables(
  database: Database,
  without: Readonly<Record<string, readonly string[]>> = {},
): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of SCHEMA_TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db);
    const dropped = new Set(without[table] ?? []);
    dump[table] = rows
      .map((row) => JSON.stringify(Object.entries(row).filter(([column]) => !dropped.has(column))))
      .sort();
  }
  return dump;
}

describe('the demo seed', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;
  let summary: DemoSummary;
  beforeAll(async () => {
    handle = await openTestDatabase();
    database = handle.database;
    expect(await isDatabaseEmpty(database)).toBe(true);
    summary = await seedDemo(database, { publicUrl, clock: new ManualClock(seedTime) });
  });
  afterAll(async () => {
    await handle.close();
  });

  const orgIdOf = async (slug: string): Promise<number> =>
    (await database.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;

  it('creates two instances, each under /o/<slug> on the platform host', async () => {
    const orgs = await database.db.selectFrom('orgs').selectAll().orderBy('id').execute();
    expect(orgs.map((o) => o.slug)).toEqual(summary.instances.map((i) => i.slug));
    expect(orgs).toHaveLength(2);
    for (const org of orgs)
      expect(org.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(orgs.map((o) => o.uuid)).size).toBe(2);

    const urls = await database.db.selectFrom('org_base_urls').selectAll().orderBy('org_id').execute();
    expect(urls.map((u) => [u.host, u.path_prefix, u.is_primary])).toEqual(orgs.map((o) => ['', `/o/${o.slug}`, 1]));
    expect(summary.instances.map((i) => i.baseUrl)).toEqual(orgs.map((o) => `https://localhost:8443/o/${o.slug}`));
  });

  it('fills the first instance with 200 users and the second with 60, who register, volunteer and deal', async () => {
    const [first, second] = summary.instances;
    if (first === undefined || second === undefined) throw new Error('two instances expected');
    for (const [slug, users] of [
      [first.slug, 200],
      [second.slug, 60],
    ] as const) {
      const orgId = await orgIdOf(slug);
      const count = async (table: 'users' | 'registrations' | 'volunteers' | 'dealers', conventionId?: number) => {
        let query = database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', orgId);
        if (conventionId !== undefined && table !== 'users' && table !== 'dealers') {
          query = query.where('convention_id', '=', conventionId);
        }
        return Number((await query.executeTakeFirstOrThrow()).n);
      };
      const current = await database.db
        .selectFrom('conventions')
        .select('id')
        .where('org_id', '=', orgId)
        .where('is_current', '=', 1)
        .executeTakeFirstOrThrow();
      expect(await count('users')).toBe(users);
      const registered = (await count('registrations', current.id)) / users;
      expect(registered).toBeGreaterThan(0.55);
      expect(registered).toBeLessThan(0.85);
      const volunteering = (await count('volunteers', current.id)) / users;
      expect(volunteering).toBeGreaterThan(0.05);
      expect(volunteering).toBeLessThan(0.3);
      expect(await count('dealers')).toBeGreaterThan(0);
    }

    const statuses = await database.db.selectFrom('registrations').select('status').distinct().execute();
    expect(statuses.map((s) => s.status).sort()).toEqual(['cancelled', 'paid', 'refunded', 'unpaid']);
    const types = await database.db.selectFrom('option_definitions').select('type').distinct().execute();
    expect(types.map((t) => t.type).sort()).toEqual(['address', 'multi', 'number', 'phone', 'select', 'text']);
    const past = await database.db.selectFrom('conventions').select('id').where('is_current', '=', 0).execute();
    expect(past).toHaveLength(1);
  });

  it('gives every volunteer exactly one primary contact method, and every department a lead', async () => {
    const primaries = await database.db
      .selectFrom('volunteers')
      .leftJoin('volunteer_contact_methods', (join) =>
        join
          .onRef('volunteer_contact_methods.volunteer_id', '=', 'volunteers.id')
          .on('volunteer_contact_methods.is_primary', '=', 1),
      )
      .select(['volunteers.id', 'volunteer_contact_methods.name'])
      .execute();
    expect(primaries.length).toBeGreaterThan(0);
    expect(primaries.filter((p) => p.name === null)).toEqual([]);

    const leaderless = await database.db
      .selectFrom('departments')
      .select('id')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('department_leads')
              .select('user_id')
              .whereRef('department_leads.department_id', '=', 'departments.id'),
          ),
        ),
      )
      .execute();
    expect(leaderless).toEqual([]);
  });

  it('gives each instance an org admin who holds oauth:manage and admin through a role', async () => {
    const admins = summary.logins.filter((login) => login.role === 'org admin');
    expect(admins.map((a) => a.instance)).toEqual(summary.instances.map((i) => i.slug));
    for (const admin of admins) {
      const orgId = await orgIdOf(admin.instance ?? '');
      const permissions = await database.db
        .selectFrom('users')
        .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
        .innerJoin('role_permissions', 'role_permissions.role_id', 'user_roles.role_id')
        .select('role_permissions.permission')
        .where('users.org_id', '=', orgId)
        .where('users.username_normalized', '=', (admin.username ?? '').toLowerCase())
        .execute();
      expect(permissions.map((p) => p.permission)).toEqual(expect.arrayContaining(['oauth:manage', 'admin']));
    }
  });

  it('assigns roles in both scopes', async () => {
    const scopes = await database.db.selectFrom('user_roles').select('scope').distinct().execute();
    expect(scopes.map((s) => s.scope).sort()).toEqual(['convention', 'global']);
  });

  it('stores the demo app secret only as its SHA-256 hash, and no password in the clear', async () => {
    const secrets = await database.db.selectFrom('app_secrets').selectAll().execute();
    expect(secrets).toHaveLength(1);
    const [stored] = secrets;
    expect(summary.app.clientSecret).toMatch(/^ccs_[A-Za-z0-9_-]{43}$/);
    expect(stored?.secret_hash).toBe(hashSecret(summary.app.clientSecret));
    expect(secretMatches(summary.app.clientSecret, stored?.secret_hash ?? '')).toBe(true);

    const everything = JSON.stringify(await dumpTables(database));
    for (const secret of [
      summary.app.clientSecret,
      summary.attendeePassword,
      ...summary.logins.map((l) => l.password),
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('approves the demo app and integrates it in the first instance with every service scope and sign-in', async () => {
    const app = await database.db
      .selectFrom('apps')
      .selectAll()
      .where('client_id', '=', summary.app.clientId)
      .executeTakeFirstOrThrow();
    expect(app.status).toBe('approved');
    expect(app.display_name).toBe(summary.app.name);
    expect(JSON.parse(app.redirect_uris)).toEqual(['http://localhost:8765/callback']);
    expect(summary.app.redirectUri).toBe('http://localhost:8765/callback');

    const integrations = await database.db.selectFrom('integrations').selectAll().execute();
    expect(integrations).toHaveLength(1);
    const [integration] = integrations;
    expect(integration?.org_id).toBe(await orgIdOf(summary.instances[0]?.slug ?? ''));
    expect(integration?.app_id).toBe(app.id);
    expect(integration?.status).toBe('active');
    expect(integration?.obo_enabled).toBe(1);
    expect(JSON.parse(integration?.scopes ?? '[]')).toEqual([...SERVICE_SCOPE_NAMES]);
    expect(summary.app.scopes).toEqual([...SERVICE_SCOPE_NAMES]);
  });

  it('hands out logins whose passwords match the stored hashes', async () => {
    const operator = summary.logins.find((l) => l.role === 'operator');
    const stored = await database.db
      .selectFrom('operators')
      .select('password_hash')
      .where('email', '=', operator?.email ?? '')
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(stored.password_hash, operator?.password ?? '')).toBe(true);

    for (const role of ['org admin', 'attendee']) {
      const login = summary.logins.find((l) => l.role === role && l.instance === summary.instances[0]?.slug);
      const user = await database.db
        .selectFrom('users')
        .select('password_hash')
        .where('org_id', '=', await orgIdOf(login?.instance ?? ''))
        .where('username', '=', login?.username ?? '')
        .executeTakeFirstOrThrow();
      expect(await verifyPassword(user.password_hash ?? '', login?.password ?? '')).toBe(true);
    }
    expect(summary.logins.find((l) => l.role === 'attendee')?.password).toBe(summary.attendeePassword);
  });

  it('records what it created in the audit log, as the system', async () => {
    const entries = await database.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'instance.created',
        'operator.created',
        'developer.created',
        'app.approved',
        'integration.created',
      ]),
    );
    expect(new Set(entries.map((e) => e.actor_type))).toEqual(new Set(['system']));
    expect(entries.every((e) => e.created_at === seedTime)).toBe(true);
  });

  it('refuses to seed a database that is not empty', async () => {
    expect(await isDatabaseEmpty(database)).toBe(false);
    await expect(seedDemo(database, { publicUrl, clock: new ManualClock(seedTime) })).rejects.toThrow(/already holds/);
    expect(await database.db.selectFrom('orgs').select('id').execute()).toHaveLength(2);
  });
});

describe('the demo seed, run twice', () => {
  it('writes the same data every time, except passwords and secrets', async () => {
    const handles = [await openTestDatabase(), await openTestDatabase()];
    try {
      const summaries = [];
      const dumps = [];
      for (const { database } of handles) {
        summaries.push(await seedDemo(database, { publicUrl, clock: new ManualClock(seedTime) }));
        dumps.push(await dumpTables(database, RANDOM_COLUMNS));
      }
      const [a, b] = summaries;
      expect(dumps[1]).toEqual(dumps[0]);
      expect(b?.app.clientId).toBe(a?.app.clientId);
      expect(b?.app.clientSecret).not.toBe(a?.app.clientSecret);
      expect(b?.attendeePassword).not.toBe(a?.attendeePassword);
      expect(b?.logins.map((l) => [l.role, l.instance, l.username, l.email])).toEqual(
        a?.logins.map((l) => [l.role, l.instance, l.username, l.email]),
      );
    } finally {
      for (const handle of handles) await handle.close();
    }
  });
});
