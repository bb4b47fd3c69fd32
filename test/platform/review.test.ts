import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { submitApplication, type ApplicationInput } from '../../src/platform/developer-applications.js';
import { createInvitation } from '../../src/platform/invitations.js';
import { createOperator } from '../../src/platform/operators.js';
import {
  answerInformationRequest,
  approveApplication,
  listReviewQueue,
  rejectApplication,
  requestInformation,
  reviewHistory,
  ReviewError,
} from '../../src/platform/review.js';
import { openTestDatabase } from '../support/database.js';

const publicUrl = new URL('https://platform.test');
const MINUTE = 60_000;

const INPUT: ApplicationInput = {
  name: 'Dev',
  companyName: 'Dev Co',
  companyWebsite: '',
  contactInfo: 'dev@example.org',
  displayName: 'App',
  description: 'Does things.',
  eventCustomers: [],
  otherEventCustomers: '',
  homepageUrl: 'https://dev.example',
  privacyUrl: 'https://dev.example/privacy',
  password: 'a long enough password',
  passwordConfirmation: 'a long enough password',
};

describe('review of applications', () => {
  let database: Database;
  let close: () => Promise<void>;
  let operatorId: number;
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    operatorId = (await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock)).id;
  });
  afterAll(async () => close());

  /** A fresh application by a new developer; returns the app and developer ids. */
  const apply = async (email: string, displayName: string): Promise<{ appId: number; developerId: number }> => {
    const invitation = await createInvitation(database.db, { email, operatorId, actor: { type: 'operator', id: String(operatorId) }, publicUrl }, clock);
    const token = invitation.link.slice(invitation.link.lastIndexOf('/') + 1);
    const result = await submitApplication(database.db, { token, input: { ...INPUT, displayName }, publicUrl }, clock);
    if (result.outcome !== 'submitted') throw new Error(JSON.stringify(result));
    clock.advance(MINUTE);
    return { appId: result.appId, developerId: result.developerId };
  };
  const act = (appId: number) => ({ appId, operatorId, ip: '192.0.2.1', publicUrl });
  const statusOf = async (appId: number) => (await database.db.selectFrom('apps').select(['status', 'review_note']).where('id', '=', appId).executeTakeFirstOrThrow());
  const mailsTo = (to: string, kind: string) => database.db.selectFrom('mail_messages').select(['subject', 'text_body', 'html_body']).where('to_address', '=', to).where('kind', '=', kind).orderBy('id').execute();

  it('asks for information, takes the answer, and approves without making a secret', async () => {
    const { appId, developerId } = await apply('asked@example.org', 'Asked App');

    await requestInformation(database.db, { ...act(appId), message: '  Which data do you store?  ' }, clock);
    expect(await statusOf(appId)).toEqual({ status: 'needs_info', review_note: 'Which data do you store?' });
    const [question] = await mailsTo('asked@example.org', 'application.needs-info');
    expect(question?.text_body).toContain('Which data do you store?');
    expect(question?.text_body).toContain('https://platform.test/portal');

    await expect(answerInformationRequest(database.db, { appId, developerId: developerId + 1000, answer: 'not mine' }, clock)).rejects.toThrow('No such application');
    await expect(answerInformationRequest(database.db, { appId, developerId, answer: '   ' }, clock)).rejects.toMatchObject({ field: 'message' });
    await answerInformationRequest(database.db, { appId, developerId, answer: 'Only badge names.', publicUrl }, clock);
    expect(await statusOf(appId)).toEqual({ status: 'applied', review_note: '' });
    const [told] = await mailsTo('ops@example.org', 'application.answered');
    expect(told?.text_body).toContain(`https://platform.test/console/apps/${appId}`);

    await approveApplication(database.db, act(appId), clock);
    const approved = await database.db.selectFrom('apps').select(['status', 'client_id']).where('id', '=', appId).executeTakeFirstOrThrow();
    expect(approved.status).toBe('approved');
    expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', appId).execute()).toEqual([]);
    const [mail] = await mailsTo('asked@example.org', 'application.approved');
    expect(mail?.text_body).toContain(String(approved.client_id));
    expect(mail?.text_body).not.toMatch(/ccs_/);
    expect(mail?.html_body).not.toMatch(/ccs_/);

    const history = await reviewHistory(database.db, appId);
    expect(history.map((h) => [h.action, h.actorType, h.message])).toEqual([
      ['app.created', 'developer', null],
      ['app.information-requested', 'operator', 'Which data do you store?'],
      ['app.information-provided', 'developer', 'Only badge names.'],
      ['app.approved', 'operator', null],
    ]);
    const audit = await database.db.selectFrom('audit_log').select(['ip', 'details']).where('action', '=', 'app.approved').where('target_id', '=', String(appId)).executeTakeFirstOrThrow();
    expect(audit.ip).toBe('192.0.2.1');
    expect(JSON.parse(audit.details)).toEqual({ from: 'applied', to: 'approved' });
  });

  it('rejects with a reason that the developer receives', async () => {
    const { appId } = await apply('rejected@example.org', 'Rejected App');
    await expect(rejectApplication(database.db, { ...act(appId), reason: '' }, clock)).rejects.toThrow(new ReviewError('message', 'Write the reason for the rejection'));
    await rejectApplication(database.db, { ...act(appId), reason: 'Scraping is not a use case.' }, clock);
    expect(await statusOf(appId)).toEqual({ status: 'rejected', review_note: 'Scraping is not a use case.' });
    const [mail] = await mailsTo('rejected@example.org', 'application.rejected');
    expect(mail?.text_body).toContain('Scraping is not a use case.');
  });

  it('refuses transitions that are not allowed, and changes nothing then', async () => {
    const { appId: rejected } = await apply('refused1@example.org', 'R1');
    await rejectApplication(database.db, { ...act(rejected), reason: 'No.' }, clock);
    await expect(approveApplication(database.db, act(rejected), clock)).rejects.toThrow('Cannot approve this application: it is rejected');
    await expect(requestInformation(database.db, { ...act(rejected), message: 'Hm?' }, clock)).rejects.toThrow('it is rejected');
    await expect(rejectApplication(database.db, { ...act(rejected), reason: 'Again' }, clock)).rejects.toThrow('it is rejected');

    const { appId: approved, developerId } = await apply('refused2@example.org', 'R2');
    await approveApplication(database.db, act(approved), clock);
    await expect(approveApplication(database.db, act(approved), clock)).rejects.toThrow('it is already approved');
    await expect(rejectApplication(database.db, { ...act(approved), reason: 'Changed my mind' }, clock)).rejects.toThrow('it is already approved');
    await expect(answerInformationRequest(database.db, { appId: approved, developerId, answer: 'Unasked' }, clock)).rejects.toThrow('it is already approved');

    const { appId: applied, developerId: appliedDeveloper } = await apply('refused3@example.org', 'R3');
    await expect(answerInformationRequest(database.db, { appId: applied, developerId: appliedDeveloper, answer: 'Unasked' }, clock)).rejects.toThrow('it is waiting for review');
    await expect(approveApplication(database.db, act(999_999), clock)).rejects.toThrow('No such application');

    expect((await statusOf(rejected)).status).toBe('rejected');
    expect((await statusOf(approved)).status).toBe('approved');
    expect((await statusOf(applied)).status).toBe('applied');
  });

  it('lets only one of two concurrent decisions through', async () => {
    const { appId } = await apply('race@example.org', 'Race');
    const results = await Promise.allSettled([approveApplication(database.db, act(appId), clock), rejectApplication(database.db, { ...act(appId), reason: 'No' }, clock)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const decisions = await database.db.selectFrom('audit_log').select('action').where('target_type', '=', 'app').where('target_id', '=', String(appId)).where('action', 'in', ['app.approved', 'app.rejected']).execute();
    expect(decisions).toHaveLength(1);
  });

  it('queues waiting applications first, then those waiting for an answer, oldest first', async () => {
    await database.db.updateTable('apps').set({ status: 'approved' }).where('status', 'in', ['applied', 'needs_info']).execute();
    const first = await apply('q1@example.org', 'Q1');
    const second = await apply('q2@example.org', 'Q2');
    const third = await apply('q3@example.org', 'Q3');
    await requestInformation(database.db, { ...act(first.appId), message: 'More?' }, clock);
    const queue = await listReviewQueue(database.db);
    expect(queue.map((q) => [q.displayName, q.status])).toEqual([
      ['Q2', 'applied'],
      ['Q3', 'applied'],
      ['Q1', 'needs_info'],
    ]);
    expect(queue[0]).toMatchObject({ id: second.appId, developerName: 'Dev', companyName: 'Dev Co' });
    expect(queue.some((q) => q.id === third.appId)).toBe(true);
  });
});
