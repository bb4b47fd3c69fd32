import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { addRedirectUri, checkAppSettings, removeRedirectUri, updateAppSettings, type AppSettingsInput } from '../../src/platform/app-settings.js';
import { MAX_REDIRECT_URIS_PER_APP } from '../../src/platform/redirect-uris.js';
import { openTestDatabase } from '../support/database.js';
import { insertApp, insertDeveloper } from '../pages/portal-fixtures.js';

const VALID: AppSettingsInput = {
  displayName: 'Badge Printer',
  description: 'Prints badges at the door.',
  homepageUrl: 'https://printer.example.com/',
  privacyUrl: 'https://printer.example.com/privacy',
  logoUrl: '',
};

describe('app settings', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    handle = await openTestDatabase();
    database = handle.database;
  });
  afterAll(async () => handle.close());

  async function auditActions(appId: number): Promise<{ action: string; details: string; actor_id: string | null }[]> {
    return database.db.selectFrom('audit_log').select(['action', 'details', 'actor_id']).where('target_type', '=', 'app').where('target_id', '=', String(appId)).orderBy('id').execute();
  }

  describe('checkAppSettings', () => {
    it('accepts valid settings; an empty logo URL means no logo', () => {
      expect(checkAppSettings(VALID)).toEqual({ ok: true, settings: { ...VALID, logoUrl: null } });
      expect(checkAppSettings({ ...VALID, logoUrl: 'https://printer.example.com/logo.png' })).toMatchObject({ ok: true, settings: { logoUrl: 'https://printer.example.com/logo.png' } });
    });

    it('requires a name, a description, a homepage and a privacy policy, and bounds their length', () => {
      const result = checkAppSettings({ ...VALID, displayName: '  ', description: '', homepageUrl: '', privacyUrl: ' ' });
      expect(result).toEqual({
        ok: false,
        errors: { displayName: 'Enter the name users will see.', description: 'Enter what your application does.', homepageUrl: 'The homepage is required.', privacyUrl: 'The privacy policy URL is required.' },
      });
      expect(checkAppSettings({ ...VALID, displayName: 'x'.repeat(101) })).toEqual({ ok: false, errors: { displayName: 'The name users will see can be at most 100 characters long.' } });
      expect(checkAppSettings({ ...VALID, description: 'x'.repeat(2001) })).toEqual({ ok: false, errors: { description: 'What your application does can be at most 2000 characters long.' } });
    });

    it.each([
      ['http://printer.example.com/', /https/],
      ['printer.example.com', /https/],
      ['javascript:alert(1)', /https/],
      ['https://user@printer.example.com/', /user name or password/],
      [`https://printer.example.com/${'a'.repeat(2000)}`, /2000/],
      ['https://[oops/', /https/],
    ])('refuses the URL %j with a clear message', (url, message) => {
      for (const key of ['homepageUrl', 'privacyUrl', 'logoUrl'] as const) {
        const result = checkAppSettings({ ...VALID, [key]: url });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors[key]).toMatch(message);
      }
    });
  });

  it('saves only the owner’s app, audits what changed, and refuses revoked apps', async () => {
    const owner = await insertDeveloper(database.db, clock);
    const other = await insertDeveloper(database.db, clock);
    const app = await insertApp(database.db, clock, owner.id, { status: 'applied' });

    expect(await updateAppSettings(database.db, { developerId: other.id, appId: app.id, change: VALID, ip: '203.0.113.9' }, clock)).toEqual({ ok: false, reason: 'not-found' });

    const saved = await updateAppSettings(database.db, { developerId: owner.id, appId: app.id, change: VALID, ip: '203.0.113.9' }, clock);
    expect(saved).toEqual({ ok: true, changed: ['displayName', 'description', 'homepageUrl', 'privacyUrl'] });
    const row = await database.db.selectFrom('apps').selectAll().where('id', '=', app.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ display_name: 'Badge Printer', description: 'Prints badges at the door.', homepage_url: 'https://printer.example.com/', logo_url: null });
    const [entry] = await auditActions(app.id);
    expect(entry?.action).toBe('app.settings-updated');
    expect(entry?.actor_id).toBe(String(owner.id));
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({ displayName: { from: 'Test App', to: 'Badge Printer' } });

    // Nothing changed: nothing audited.
    expect(await updateAppSettings(database.db, { developerId: owner.id, appId: app.id, change: VALID, ip: null }, clock)).toEqual({ ok: true, changed: [] });
    expect(await auditActions(app.id)).toHaveLength(1);

    const invalid = await updateAppSettings(database.db, { developerId: owner.id, appId: app.id, change: { ...VALID, homepageUrl: 'http://x.example' }, ip: null }, clock);
    expect(invalid).toEqual({ ok: false, reason: 'invalid', errors: { homepageUrl: 'The homepage must start with https://.' } });

    const revoked = await insertApp(database.db, clock, owner.id, { status: 'revoked' });
    expect(await updateAppSettings(database.db, { developerId: owner.id, appId: revoked.id, change: VALID, ip: null }, clock)).toEqual({ ok: false, reason: 'not-editable' });
  });

  it.each(['applied', 'needs_info', 'approved', 'rejected'] as const)('allows edits while %s', async (status) => {
    const owner = await insertDeveloper(database.db, clock);
    const app = await insertApp(database.db, clock, owner.id, { status });
    expect(await updateAppSettings(database.db, { developerId: owner.id, appId: app.id, change: VALID, ip: null }, clock)).toMatchObject({ ok: true });
  });

  it('adds and removes redirect URIs, audited, with every rule enforced', async () => {
    const owner = await insertDeveloper(database.db, clock);
    const other = await insertDeveloper(database.db, clock);
    const app = await insertApp(database.db, clock, owner.id);
    const add = (uri: string, developerId = owner.id) => addRedirectUri(database.db, { developerId, appId: app.id, change: uri, ip: '198.51.100.4' }, clock);

    expect(await add('https://app.example.com/cb', other.id)).toEqual({ ok: false, reason: 'not-found' });
    expect(await add('https://app.example.com/cb')).toEqual({ ok: true });
    expect(await add('https://app.example.com/cb')).toMatchObject({ ok: false, reason: 'invalid', rule: 'duplicate' });
    expect(await add('http://app.example.com/cb')).toMatchObject({ ok: false, reason: 'invalid', rule: 'http-not-loopback' });
    expect(await add('http://localhost:8080/cb')).toEqual({ ok: true });

    const stored = async () => JSON.parse((await database.db.selectFrom('apps').select('redirect_uris').where('id', '=', app.id).executeTakeFirstOrThrow()).redirect_uris) as unknown;
    expect(await stored()).toEqual(['https://app.example.com/cb', 'http://localhost:8080/cb']);

    expect(await removeRedirectUri(database.db, { developerId: other.id, appId: app.id, change: 'https://app.example.com/cb', ip: null }, clock)).toEqual({ ok: false, reason: 'not-found' });
    expect(await removeRedirectUri(database.db, { developerId: owner.id, appId: app.id, change: 'https://app.example.com/cb', ip: null }, clock)).toEqual({ ok: true });
    expect(await removeRedirectUri(database.db, { developerId: owner.id, appId: app.id, change: 'https://app.example.com/cb', ip: null }, clock)).toEqual({ ok: false, reason: 'not-registered' });
    expect(await stored()).toEqual(['http://localhost:8080/cb']);

    const actions = (await auditActions(app.id)).map((e) => [e.action, JSON.parse(e.details) as unknown]);
    expect(actions).toEqual([
      ['app.redirect-uri-added', { uri: 'https://app.example.com/cb' }],
      ['app.redirect-uri-added', { uri: 'http://localhost:8080/cb' }],
      ['app.redirect-uri-removed', { uri: 'https://app.example.com/cb' }],
    ]);

    for (let i = 1; i < MAX_REDIRECT_URIS_PER_APP; i++) expect(await add(`https://app.example.com/cb${i}`)).toEqual({ ok: true });
    expect(await add('https://app.example.com/one-too-many')).toMatchObject({ ok: false, reason: 'invalid', rule: 'too-many' });
  });

  it('refuses redirect URI changes on revoked apps', async () => {
    const owner = await insertDeveloper(database.db, clock);
    const app = await insertApp(database.db, clock, owner.id, { status: 'revoked', redirectUris: ['https://app.example.com/cb'] });
    expect(await addRedirectUri(database.db, { developerId: owner.id, appId: app.id, change: 'https://app.example.com/x', ip: null }, clock)).toEqual({ ok: false, reason: 'not-editable' });
    expect(await removeRedirectUri(database.db, { developerId: owner.id, appId: app.id, change: 'https://app.example.com/cb', ip: null }, clock)).toEqual({ ok: false, reason: 'not-editable' });
  });

  it('never touches an organization’s own app', async () => {
    const owner = await insertDeveloper(database.db, clock);
    const orgApp = await insertApp(database.db, clock, null);
    expect(await updateAppSettings(database.db, { developerId: owner.id, appId: orgApp.id, change: VALID, ip: null }, clock)).toEqual({ ok: false, reason: 'not-found' });
  });
});
