import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Schema } from '../db/schema.js';
import { SERVICE_SCOPE_NAMES } from '../oauth/scopes.js';
import { generatePassword, hashPassword } from '../security/passwords.js';
import { CLIENT_SECRET_PREFIX, generateSecret } from '../security/secrets.js';
import { DEMO_INSTANCES } from './instances.js';
import { DAY_MS } from './seed-context.js';
import { seedInstance, type SeededInstance } from './seed-instance.js';
import { DEMO_APP, DEMO_DEVELOPER, DEMO_OPERATOR, seedPlatform } from './seed-platform.js';

export interface SeedOptions {
  /** The platform's public URL; the demo instances live on its host at /o/<slug>. */
  publicUrl: URL;
  /** Users in the first instance, its admin included (default 200). The second always has 60. */
  users?: number;
  clock: Clock;
  onProgress?: (msg: string) => void;
}

export interface DemoInstance {
  slug: string;
  name: string;
  baseUrl: string;
}

export interface DemoLogin {
  role: string;
  /** The instance slug, or null for the platform (operator console, developer portal). */
  instance: string | null;
  username?: string;
  email: string;
  password: string;
}

export interface DemoSummary {
  instances: DemoInstance[];
  logins: DemoLogin[];
  app: { clientId: number; clientSecret: string; redirectUri: string; scopes: string[]; name: string };
  attendeePassword: string;
}

const DEFAULT_USERS = 200;

interface Credential {
  password: string;
  hash: string;
}

/**
 * Fills an empty database with the demo: two instances full of people, a platform operator, and
 * a developer's approved app integrated in the first instance.
 *
 * Everything is the same on every run for the same seed day (a seeded generator; times count back
 * from midnight UTC of the clock's day) except the passwords and secrets, which are random each
 * time so that no demo database shares a credential with another. One transaction: a failed seed
 * leaves the database as it was.
 */
export async function seedDemo(database: Database, options: SeedOptions): Promise<DemoSummary> {
  const users = options.users ?? DEFAULT_USERS;
  if (!Number.isInteger(users) || users < 1) throw new Error(`the demo needs at least 1 user, got ${users}`);
  const onProgress = options.onProgress ?? (() => undefined);
  const anchorMs = Math.floor(options.clock.now().getTime() / DAY_MS) * DAY_MS;

  // Hashed before the transaction opens, so the write lock is not held through argon2.
  const [attendee, operator, developer] = await Promise.all([newCredential(), newCredential(), newCredential()]);
  const instances = await Promise.all(
    DEMO_INSTANCES.map(async (definition) => ({ definition, admin: await newCredential() })),
  );
  const clientSecret = generateSecret(CLIENT_SECRET_PREFIX);

  return database.db.transaction().execute(async (trx) => {
    if (!(await holdsNoOrgsOrOperators(trx))) {
      throw new Error('refusing to seed the demo: the database already holds organizations or operators');
    }
    const seeded: { slug: string; instance: SeededInstance; adminPassword: string }[] = [];
    for (const { definition, admin } of instances) {
      const instance = await seedInstance(trx, {
        definition,
        users: definition.users === 'requested' ? users : definition.users,
        anchorMs,
        adminPasswordHash: admin.hash,
        attendeePasswordHash: attendee.hash,
        clock: options.clock,
        onProgress,
      });
      seeded.push({ slug: definition.slug, instance, adminPassword: admin.password });
    }

    const [integrated] = seeded;
    if (integrated === undefined) throw new Error('the demo defines no instance');
    const platform = await seedPlatform(trx, {
      anchorMs,
      clock: options.clock,
      operatorPasswordHash: operator.hash,
      developerPasswordHash: developer.hash,
      clientSecret,
      invitationToken: generateSecret('cci_'),
      integration: { orgId: integrated.instance.orgId, createdByUserId: integrated.instance.admin.id },
    });
    onProgress('platform: operator, developer, demo app and its integration');

    return {
      instances: DEMO_INSTANCES.map((d) => ({
        slug: d.slug,
        name: d.name,
        baseUrl: `${options.publicUrl.origin}/o/${d.slug}`,
      })),
      logins: [
        { role: 'operator', instance: null, email: DEMO_OPERATOR.email, password: operator.password },
        { role: 'developer', instance: null, email: DEMO_DEVELOPER.email, password: developer.password },
        ...seeded.flatMap(({ slug, instance, adminPassword }) =>
          instanceLogins(slug, instance, adminPassword, attendee.password),
        ),
      ],
      app: {
        clientId: platform.clientId,
        clientSecret,
        redirectUri: DEMO_APP.redirectUri,
        scopes: [...SERVICE_SCOPE_NAMES],
        name: DEMO_APP.name,
      },
      attendeePassword: attendee.password,
    };
  });
}

/** True when there is nothing to lose: no organizations and no operators. */
export async function isDatabaseEmpty(database: Database): Promise<boolean> {
  return holdsNoOrgsOrOperators(database.db);
}

async function holdsNoOrgsOrOperators(db: Kysely<Schema>): Promise<boolean> {
  const org = await db.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
  const operator = await db.selectFrom('operators').select('id').limit(1).executeTakeFirst();
  return org === undefined && operator === undefined;
}

async function newCredential(): Promise<Credential> {
  const password = generatePassword();
  return { password, hash: await hashPassword(password) };
}

function instanceLogins(
  slug: string,
  instance: SeededInstance,
  adminPassword: string,
  attendeePassword: string,
): DemoLogin[] {
  const { admin, sampleAttendee } = instance;
  const logins: DemoLogin[] = [
    {
      role: 'org admin',
      instance: slug,
      username: admin.person.username,
      email: admin.person.email,
      password: adminPassword,
    },
  ];
  if (sampleAttendee !== undefined) {
    const { username, email } = sampleAttendee.person;
    logins.push({ role: 'attendee', instance: slug, username, email, password: attendeePassword });
  }
  return logins;
}
