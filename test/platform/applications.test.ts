import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import {
  httpsUrlProblem,
  parseInterestedCustomers,
  submitApplication,
  validateApplication,
  type ApplicationInput,
} from '../../src/platform/developer-applications.js';
import { createInvitation, withdrawInvitation } from '../../src/platform/invitations.js';
import { createOperator } from '../../src/platform/operators.js';
import { verifyPassword } from '../../src/security/passwords.js';
import { openTestDatabase } from '../support/database.js';

const DAY_MS = 86_400_000;
const publicUrl = new URL('https://platform.test');
const tokenOf = (link: string): string => link.slice(link.lastIndexOf('/') + 1);

const VALID: ApplicationInput = {
  name: 'Ada Lovelace',
  companyName: 'Analytical Apps',
  companyWebsite: 'https://analytical.example',
  contactInfo: 'ada@analytical.example\n+44 20 7946 0000',
  displayName: 'Badge Printer',
  description: 'Prints badges at the door from registrations.',
  eventCustomers: ['bigcon'],
  otherEventCustomers: 'Tiny Con (not on the platform)',
  homepageUrl: 'https://analytical.example/badges',
  privacyUrl: 'https://analytical.example/privacy',
  password: 'correct horse battery',
  passwordConfirmation: 'correct horse battery',
};

describe('applying through an invitation', () => {
  let database: Database;
  let close: () => Promise<void>;
  let operatorId: number;
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    operatorId = (await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock)).id;
    await createOperator(database, { email: 'gone@example.org', name: 'Gone', password: 'operator-password-2' }, { type: 'system', id: null }, clock);
    await database.db.updateTable('operators').set({ disabled_at: clock.now().toISOString() }).where('email', '=', 'gone@example.org').execute();
    await createInstance(database, { slug: 'bigcon', name: 'Big Con', baseUrls: [parseBaseUrl('/o/bigcon', publicUrl)] }, { type: 'system', id: null }, clock);
  });
  afterAll(async () => close());

  const invite = async (email: string): Promise<string> =>
    tokenOf((await createInvitation(database.db, { email, operatorId, actor: { type: 'operator', id: String(operatorId) }, publicUrl }, clock)).link);
  const submit = (token: string, input: Partial<ApplicationInput> = {}) =>
    submitApplication(database.db, { token, input: { ...VALID, ...input }, ip: '198.51.100.4', publicUrl }, clock);

  describe('validation', () => {
    const errorsFor = (input: Partial<ApplicationInput>) => validateApplication({ ...VALID, ...input }, ['bigcon']).errors;

    it('accepts a complete application and cleans it', () => {
      const { errors, application } = validateApplication({ ...VALID, name: '  Ada  ', companyWebsite: '', eventCustomers: ['bigcon', 'bigcon'] }, ['bigcon']);
      expect(errors).toEqual({});
      expect(application.name).toBe('Ada');
      expect(application.companyWebsite).toBeNull();
      expect(application.eventCustomers).toEqual({ instances: ['bigcon'], other: 'Tiny Con (not on the platform)' });
    });

    it('says what to fix, per field', () => {
      expect(errorsFor({ name: ' ', companyName: '', contactInfo: '', displayName: '', description: '', homepageUrl: '', privacyUrl: '' })).toEqual({
        name: 'Enter your name',
        companyName: 'Enter your company name',
        contactInfo: 'Enter how to contact your company',
        displayName: 'Enter the name of your application',
        description: 'Enter what your application will do',
        homepageUrl: "Enter your application's homepage",
        privacyUrl: 'Enter your privacy policy',
      });
      expect(errorsFor({ displayName: 'x'.repeat(101) }).displayName).toBe('The name of your application must be at most 100 characters');
      expect(errorsFor({ homepageUrl: 'http://analytical.example' }).homepageUrl).toBe("Your application's homepage must start with https://");
      expect(errorsFor({ privacyUrl: 'analytical.example/privacy' }).privacyUrl).toBe('Your privacy policy must be a full address starting with https://');
      expect(errorsFor({ companyWebsite: 'https://user:pw@analytical.example' }).companyWebsite).toBe("Your company's website must not contain a user name or password");
      expect(errorsFor({ eventCustomers: ['othercon'] }).eventCustomers).toBe('Choose event customers from the list');
      expect(errorsFor({ otherEventCustomers: 'x'.repeat(501) }).otherEventCustomers).toContain('at most 500');
      expect(errorsFor({ password: 'short', passwordConfirmation: 'short' }).password).toBe('Choose a password of at least 12 characters');
      expect(errorsFor({ passwordConfirmation: 'something else entirely' })).toEqual({ passwordConfirmation: 'The two passwords do not match' });
      expect(errorsFor({ password: 'p'.repeat(1001), passwordConfirmation: 'p'.repeat(1001) }).password).toContain('at most 1000');
    });

    it('checks URLs', () => {
      expect(httpsUrlProblem('https://example.org/x')).toBeNull();
      expect(httpsUrlProblem('javascript:alert(1)')).toBe('must start with https://');
      expect(httpsUrlProblem(`https://example.org/${'a'.repeat(2000)}`)).toContain('at most');
    });

    it('reads stored event customers, JSON or free text', () => {
      expect(parseInterestedCustomers('{"instances":["a","b"],"other":"c"}')).toEqual({ instances: ['a', 'b'], other: 'c' });
      expect(parseInterestedCustomers('Lakeshore FurFest')).toEqual({ instances: [], other: 'Lakeshore FurFest' });
      expect(parseInterestedCustomers('[1,2]')).toEqual({ instances: [], other: '[1,2]' });
    });
  });

  it('creates the developer and the app in one go, uses the invitation, audits and emails', async () => {
    const token = await invite('ada@analytical.example');
    const result = await submit(token);
    if (result.outcome !== 'submitted') throw new Error(`not submitted: ${JSON.stringify(result)}`);
    expect(result.email).toBe('ada@analytical.example');

    const developer = await database.db.selectFrom('developers').selectAll().where('id', '=', result.developerId).executeTakeFirstOrThrow();
    expect(developer).toMatchObject({ email: 'ada@analytical.example', name: 'Ada Lovelace', company_name: 'Analytical Apps', company_website: 'https://analytical.example', contact_info: VALID.contactInfo });
    expect(developer.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(developer.password_hash ?? '', VALID.password)).toBe(true);

    const app = await database.db.selectFrom('apps').selectAll().where('id', '=', result.appId).executeTakeFirstOrThrow();
    expect(app).toMatchObject({ developer_id: result.developerId, owner_org_id: null, display_name: 'Badge Printer', status: 'applied', homepage_url: VALID.homepageUrl, privacy_url: VALID.privacyUrl, redirect_uris: '[]', review_note: '' });
    expect(app.client_id).toBeGreaterThanOrEqual(1_000_000);
    expect(parseInterestedCustomers(app.interested_event_customers)).toEqual({ instances: ['bigcon'], other: VALID.otherEventCustomers });
    expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', app.id).execute()).toEqual([]);

    const invitation = await database.db.selectFrom('invitations').select('used_at').where('email', '=', 'ada@analytical.example').executeTakeFirstOrThrow();
    expect(invitation.used_at).toBe(clock.now().toISOString());

    const audit = await database.db.selectFrom('audit_log').select(['action', 'actor_type', 'actor_id', 'ip']).where('actor_type', '=', 'developer').where('actor_id', '=', String(result.developerId)).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['invitation.used', 'developer.created', 'app.created']);
    expect(audit.every((a) => a.ip === '198.51.100.4')).toBe(true);

    const mails = await database.db.selectFrom('mail_messages').select(['kind', 'to_address', 'text_body']).where('kind', 'in', ['application.received', 'application.submitted']).orderBy('id').execute();
    expect(mails.map((m) => [m.kind, m.to_address])).toEqual([
      ['application.received', 'ada@analytical.example'],
      // Disabled operators are not told.
      ['application.submitted', 'ops@example.org'],
    ]);
    expect(mails[0]?.text_body).toContain('https://platform.test/portal');
    expect(mails[0]?.text_body).not.toContain(String(app.client_id));
    expect(mails[1]?.text_body).toContain(`https://platform.test/console/apps/${app.id}`);
  });

  it('creates one application when the same invitation is submitted twice, even at once', async () => {
    const token = await invite('twice@example.org');
    const results = await Promise.all([submit(token), submit(token), submit(token)]);
    expect(results.filter((r) => r.outcome === 'submitted')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'unavailable')).toEqual([
      { outcome: 'unavailable', reason: 'used' },
      { outcome: 'unavailable', reason: 'used' },
    ]);
    expect(await submit(token)).toEqual({ outcome: 'unavailable', reason: 'used' });
    const developers = await database.db.selectFrom('developers').select('id').where('email', '=', 'twice@example.org').execute();
    expect(developers).toHaveLength(1);
    const apps = await database.db.selectFrom('apps').select('id').where('developer_id', '=', developers[0]?.id ?? 0).execute();
    expect(apps).toHaveLength(1);
  });

  it('refuses expired, withdrawn and unknown invitations, and changes nothing on invalid input', async () => {
    const expiring = await invite('late@example.org');
    clock.advance(15 * DAY_MS);
    expect(await submit(expiring)).toEqual({ outcome: 'unavailable', reason: 'expired' });
    clock.set('2026-03-01T12:00:00.000Z');

    const withdrawn = await createInvitation(database.db, { email: 'withdrawn@example.org', operatorId, actor: { type: 'operator', id: String(operatorId) }, publicUrl }, clock);
    await withdrawInvitation(database.db, { invitationId: withdrawn.id, actor: { type: 'operator', id: String(operatorId) } }, clock);
    expect(await submit(tokenOf(withdrawn.link))).toEqual({ outcome: 'unavailable', reason: 'withdrawn' });
    expect(await submit(`cci_${'x'.repeat(43)}`)).toEqual({ outcome: 'unavailable', reason: 'unknown' });

    const token = await invite('invalid@example.org');
    const invalid = await submit(token, { privacyUrl: 'nope', passwordConfirmation: 'different password' });
    expect(invalid).toEqual({ outcome: 'invalid', errors: { privacyUrl: 'Your privacy policy must be a full address starting with https://', passwordConfirmation: 'The two passwords do not match' } });
    const invitation = await database.db.selectFrom('invitations').select('used_at').where('email', '=', 'invalid@example.org').executeTakeFirstOrThrow();
    expect(invitation.used_at).toBeNull();
    expect(await database.db.selectFrom('developers').select('id').where('email', '=', 'invalid@example.org').execute()).toEqual([]);
    // The same link still works once the form is right.
    expect((await submit(token)).outcome).toBe('submitted');
  });

  it('refuses when the address became a developer meanwhile', async () => {
    const token = await invite('race@example.org');
    await database.db.insertInto('developers').values({ email: 'race@example.org', name: 'R', company_name: 'C', company_website: null, contact_info: 'c', password_hash: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }).execute();
    expect(await submit(token)).toEqual({ outcome: 'unavailable', reason: 'developer-exists' });
    // Rolled back: the invitation stays unused.
    const invitation = await database.db.selectFrom('invitations').select('used_at').where('email', '=', 'race@example.org').executeTakeFirstOrThrow();
    expect(invitation.used_at).toBeNull();
  });
});
