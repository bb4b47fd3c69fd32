import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { parseRowId } from '../../db/row-id.js';
import type { Schema } from '../../db/schema.js';
import { formField, formList, queryParam } from '../../http/web/form-fields.js';
import { prefixOf } from '../../http/web/page-area.js';
import type { RawAnswer } from '../../instance/option-answers.js';
import { findOwnVolunteerApplication, loadVolunteerForm, type OwnVolunteerApplication, type PreferenceState, type VolunteerForm } from '../../instance/volunteer-application.js';
import {
  CONTACT_METHODS_MAX,
  submitVolunteerApplication,
  updateVolunteerApplication,
  withdrawVolunteerApplication,
  type VolunteerApplicationInput,
  type VolunteerChangeOrigin,
} from '../../instance/volunteer-self-service.js';
import { ownValue } from '../components.js';
import type { FieldErrors } from '../forms.js';
import type { AccountViewer, ShowAccountPage } from './account-page.js';
import { EMPTY_VOLUNTEER_FORM, noConventionPage, VOLUNTEER_PATH, VOLUNTEER_WITHDRAW_PATH, volunteerFormValues, volunteerPage, withdrawConfirmationPage, type DepartmentLeaning, type VolunteerFormValues, type VolunteerPageState } from './volunteer-views.js';

interface VolunteerDeps {
  db: Kysely<Schema>;
  clock: Clock;
  viewer: (request: FastifyRequest) => AccountViewer;
  show: ShowAccountPage;
}

const DONE_MESSAGES: Readonly<Record<string, string>> = {
  submitted: 'Thank you for applying to volunteer! Department leads will be in touch.',
  saved: 'Your application is saved.',
  unchanged: 'Nothing to save: your application already had these answers.',
  withdrawn: 'Your volunteer application is withdrawn.',
};

const STALE = 'Your application was changed elsewhere (for example in another tab) after you opened this page, so nothing was saved. The form shows what you entered, over the latest saved application: check it and save again.';
const EXISTS = 'You have already applied (perhaps in another tab), so nothing was saved. The form shows what you entered, over your saved application: check it and save again.';
const GONE = 'Your application was withdrawn elsewhere after you opened this page, so nothing was saved. Apply again below if you still want to volunteer.';
const STALE_WITHDRAWAL = 'Your application was changed after you opened this page. Check it below, then withdraw it if you still want to.';

/** Form body keys `<prefix><id>` and their ids; anything else is ignored. */
function idsOf(body: unknown, prefix: string): number[] {
  if (typeof body !== 'object' || body === null) return [];
  const ids: number[] = [];
  for (const key of Object.keys(body)) {
    if (!key.startsWith(prefix)) continue;
    const id = parseRowId(key.slice(prefix.length));
    if (id !== null) ids.push(id);
  }
  return ids;
}

/** The form as posted. Departments and questions are taken as named by the body, so an unknown one reaches validation and is refused. */
function postedValues(body: unknown): VolunteerFormValues {
  const contacts: { name: string; value: string }[] = [];
  let primary: number | null = null;
  const primaryIndex = formField(body, 'primaryContact');
  for (let index = 0; index < CONTACT_METHODS_MAX + 2; index += 1) {
    const name = formField(body, `contactName-${index}`);
    const value = formField(body, `contactValue-${index}`);
    if (name === '' && value === '') continue;
    if (primaryIndex === String(index)) primary = contacts.length;
    contacts.push({ name, value });
  }
  const leanings = new Map<number, DepartmentLeaning>();
  for (const id of idsOf(body, 'leaning-')) {
    const leaning = formField(body, `leaning-${id}`);
    leanings.set(id, leaning === 'interest' || leaning === 'avoid' ? leaning : '');
  }
  const options = new Map<number, string[]>();
  for (const id of idsOf(body, 'option-')) options.set(id, formList(body, `option-${id}`));
  return {
    version: formField(body, 'version'),
    contacts,
    primary,
    experience: new Set(idsOf(body, 'experience-').filter((id) => formField(body, `experience-${id}`) === 'yes')),
    leanings,
    availableBeforeCon: formField(body, 'availableBeforeCon') === 'yes',
    anythingElse: formField(body, 'anythingElse'),
    previousConExperience: formField(body, 'previousConExperience'),
    previousOtherExperience: formField(body, 'previousOtherExperience'),
    eventsCanNotMiss: formField(body, 'eventsCanNotMiss'),
    options,
  };
}

function applicationOf(values: VolunteerFormValues): VolunteerApplicationInput {
  const preferences = new Map<number, PreferenceState[]>();
  const add = (id: number, state: PreferenceState) => preferences.set(id, [...(preferences.get(id) ?? []), state]);
  for (const id of values.experience) add(id, 'experience');
  for (const [id, leaning] of values.leanings) {
    if (leaning === '') preferences.set(id, preferences.get(id) ?? []);
    else add(id, leaning);
  }
  const options = new Map<number, RawAnswer>();
  for (const [id, answer] of values.options) options.set(id, answer);
  return {
    contactMethods: values.contacts,
    primaryContactMethod: values.primary === null ? '' : (values.contacts[values.primary]?.name ?? ''),
    preferences,
    availableBeforeCon: values.availableBeforeCon,
    anythingElse: values.anythingElse,
    previousConExperience: values.previousConExperience,
    previousOtherExperience: values.previousOtherExperience,
    eventsCanNotMiss: values.eventsCanNotMiss,
    options,
  };
}

function origin(request: FastifyRequest, viewer: AccountViewer): VolunteerChangeOrigin {
  return { actor: { type: 'user', id: String(viewer.userId) }, ip: request.ip };
}

/**
 * The volunteer application of the signed-in user for the current convention
 * (`/account/volunteer`: the form to apply or to change the application, and its POST) and its
 * withdrawal (`/account/volunteer/withdraw`: a confirmation, and its POST).
 */
export function registerVolunteerPages(app: FastifyInstance, deps: VolunteerDeps): void {
  const { db, clock, viewer, show } = deps;

  const render = (request: FastifyRequest, reply: FastifyReply, state: VolunteerPageState, status = 200): Promise<FastifyReply> =>
    show(request, reply, { current: 'volunteer', status, render: (context) => ({ title: 'Volunteer', body: volunteerPage(context, state) }) });
  const noConvention = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
    show(request, reply, { current: 'volunteer', status: 404, render: () => ({ title: 'Volunteer', body: noConventionPage() }) });
  const redirect = (request: FastifyRequest, reply: FastifyReply, done: string): FastifyReply => reply.redirect(`${prefixOf(request)}${VOLUNTEER_PATH}?done=${done}`, 303);

  /** Shows what was typed against the latest saved state, so saving again is a deliberate choice. */
  const refused = async (request: FastifyRequest, reply: FastifyReply, form: VolunteerForm, values: VolunteerFormValues, problem: string): Promise<FastifyReply> => {
    const { orgId, userId } = viewer(request);
    const latest = await findOwnVolunteerApplication(db, orgId, userId);
    return render(request, reply, { form, values: { ...values, version: latest?.updatedAt ?? '' }, errors: {}, application: latest, problem }, 409);
  };

  app.get(VOLUNTEER_PATH, async (request, reply) => {
    const { orgId, userId } = viewer(request);
    const form = await loadVolunteerForm(db, orgId);
    if (form === undefined) return noConvention(request, reply);
    const application = await findOwnVolunteerApplication(db, orgId, userId);
    const values = application === undefined ? EMPTY_VOLUNTEER_FORM : volunteerFormValues(application);
    return render(request, reply, { form, values, errors: {}, application, done: ownValue(DONE_MESSAGES, queryParam(request.query, 'done')) });
  });

  app.post(VOLUNTEER_PATH, async (request, reply) => {
    const who = viewer(request);
    const form = await loadVolunteerForm(db, who.orgId);
    if (form === undefined) return noConvention(request, reply);
    const values = postedValues(request.body);
    const application = applicationOf(values);
    const result =
      values.version === ''
        ? await submitVolunteerApplication(db, { ...who, application }, origin(request, who), clock)
        : await updateVolunteerApplication(db, { ...who, application, expectedUpdatedAt: values.version }, origin(request, who), clock);
    if (result.ok) return redirect(request, reply, values.version === '' ? 'submitted' : result.changed ? 'saved' : 'unchanged');
    switch (result.reason) {
      case 'invalid': {
        const errors: FieldErrors = result.errors;
        return render(request, reply, { form, values, errors, application: await findOwnVolunteerApplication(db, who.orgId, who.userId) }, 400);
      }
      case 'stale':
        return refused(request, reply, form, values, STALE);
      case 'exists':
        return refused(request, reply, form, values, EXISTS);
      case 'not-found':
        return refused(request, reply, form, values, GONE);
    }
  });

  const confirmation = (request: FastifyRequest, reply: FastifyReply, form: VolunteerForm, application: OwnVolunteerApplication, problem?: string): Promise<FastifyReply> =>
    show(request, reply, { current: 'volunteer', status: problem === undefined ? 200 : 409, render: (context) => ({ title: 'Withdraw your application', body: withdrawConfirmationPage(context, form, application, problem) }) });

  app.get(VOLUNTEER_WITHDRAW_PATH, async (request, reply) => {
    const { orgId, userId } = viewer(request);
    const form = await loadVolunteerForm(db, orgId);
    if (form === undefined) return noConvention(request, reply);
    const application = await findOwnVolunteerApplication(db, orgId, userId);
    if (application === undefined) return reply.redirect(`${prefixOf(request)}${VOLUNTEER_PATH}`, 303);
    return confirmation(request, reply, form, application);
  });

  app.post(VOLUNTEER_WITHDRAW_PATH, async (request, reply) => {
    const who = viewer(request);
    const form = await loadVolunteerForm(db, who.orgId);
    if (form === undefined) return noConvention(request, reply);
    const result = await withdrawVolunteerApplication(db, { ...who, expectedUpdatedAt: formField(request.body, 'version') }, origin(request, who), clock);
    if (result.ok) return redirect(request, reply, 'withdrawn');
    const latest = await findOwnVolunteerApplication(db, who.orgId, who.userId);
    // Withdrawn meanwhile (another tab): what the user wanted has happened.
    if (latest === undefined) return redirect(request, reply, 'withdrawn');
    return confirmation(request, reply, form, latest, STALE_WITHDRAWAL);
  });
}
