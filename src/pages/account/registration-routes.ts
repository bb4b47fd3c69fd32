import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { parseRowId } from '../../db/row-id.js';
import type { Schema } from '../../db/schema.js';
import { formField, formList, queryParam } from '../../http/web/form-fields.js';
import { prefixOf } from '../../http/web/page-area.js';
import type { RegistrationChangeOrigin } from '../../instance/registration-changes.js';
import { loadRegistrationForm, optionField, registerForConvention, updateOwnRegistration, type RegistrationChoices, type RegistrationForm } from '../../instance/registration-self-service.js';
import { ownValue } from '../components.js';
import type { AccountViewer, ShowAccountPage } from './account-page.js';
import { noConventionPage, REGISTRATION_PATH, registrationFormValues, registrationPage, type RegistrationFormValues, type RegistrationPageState } from './registration-views.js';

interface RegistrationDeps {
  db: Kysely<Schema>;
  clock: Clock;
  viewer: (request: FastifyRequest) => AccountViewer;
  show: ShowAccountPage;
}

const DONE_MESSAGES: Readonly<Record<string, string>> = {
  registered: 'You are registered. Your registration is unpaid until you pay for it.',
  saved: 'Your registration is saved.',
  unchanged: 'Nothing to save: your registration already had these values.',
};

const STALE = 'Your registration was changed elsewhere (for example in another tab, or by staff) after you opened this page, so nothing was saved. The form shows what you entered over the latest saved registration: check it and save again.';
const ALREADY = 'You are already registered (perhaps from another tab): here is your registration. Nothing new was saved.';
const CLOSED = 'This registration can no longer be changed here.';
const GONE = 'Your registration no longer exists, so nothing was saved. You can register again below.';

/** The form as posted; every field is read as text (lists for 'multi' options), so nothing in the body can be of an unexpected type. */
function postedValues(body: unknown, form: RegistrationForm): RegistrationFormValues {
  const answers: Record<string, string | string[]> = {};
  for (const option of form.options) {
    const name = optionField(option.id);
    answers[String(option.id)] = option.type === 'multi' ? formList(body, name) : formField(body, name);
  }
  return { version: formField(body, 'version'), productId: formField(body, 'productId'), badgeName: formField(body, 'badgeName'), answers };
}

function choicesOf(values: RegistrationFormValues): RegistrationChoices {
  return { productId: parseRowId(values.productId), badgeName: values.badgeName, answers: new Map(Object.entries(values.answers).map(([id, answer]) => [Number(id), answer])) };
}

function origin(request: FastifyRequest, viewer: AccountViewer): RegistrationChangeOrigin {
  return { actor: { type: 'user', id: String(viewer.userId) }, ip: request.ip };
}

/**
 * The signed-in user's registration for the current convention (`/account/registration`): a form
 * to register (badge level, badge name, the convention's options), then the same form to edit it.
 * The hidden version field tells the two apart and makes a save from a stale page fail visibly.
 */
export function registerRegistrationPages(app: FastifyInstance, deps: RegistrationDeps): void {
  const { db, clock, viewer, show } = deps;

  const render = (request: FastifyRequest, reply: FastifyReply, state: RegistrationPageState, status = 200): Promise<FastifyReply> =>
    show(request, reply, { current: 'registration', status, render: (context) => ({ title: 'Your registration', body: registrationPage(context, state) }) });

  const noConvention = (request: FastifyRequest, reply: FastifyReply, status: number): Promise<FastifyReply> =>
    show(request, reply, { current: 'registration', status, render: (context) => ({ title: 'Registration', body: noConventionPage(context) }) });

  /** The latest saved state with what the user typed on top, versioned so saving again is a deliberate overwrite. */
  const again = async (request: FastifyRequest, reply: FastifyReply, values: RegistrationFormValues, problem: string, status: number, keepTyped = true): Promise<FastifyReply> => {
    const { orgId, userId } = viewer(request);
    const latest = await loadRegistrationForm(db, orgId, userId);
    if (latest === undefined) return noConvention(request, reply, 409);
    const fresh = registrationFormValues(latest);
    return render(request, reply, { form: latest, values: keepTyped ? { ...values, version: fresh.version } : fresh, errors: {}, problem }, status);
  };

  app.get(REGISTRATION_PATH, async (request, reply) => {
    const { orgId, userId } = viewer(request);
    const form = await loadRegistrationForm(db, orgId, userId);
    if (form === undefined) return noConvention(request, reply, 200);
    return render(request, reply, { form, values: registrationFormValues(form), errors: {}, done: ownValue(DONE_MESSAGES, queryParam(request.query, 'done')) });
  });

  app.post(REGISTRATION_PATH, async (request, reply) => {
    const who = viewer(request);
    const form = await loadRegistrationForm(db, who.orgId, who.userId);
    if (form === undefined) return noConvention(request, reply, 409);
    const values = postedValues(request.body, form);
    const done = (key: string) => reply.redirect(`${prefixOf(request)}${REGISTRATION_PATH}?done=${key}`, 303);

    if (values.version === '') {
      const created = await registerForConvention(db, { ...who, ...choicesOf(values) }, origin(request, who), clock);
      if (created.ok) return done('registered');
      if (created.reason === 'invalid') return render(request, reply, { form, values, errors: created.errors }, 400);
      if (created.reason === 'already-registered') return again(request, reply, values, ALREADY, 409, false);
      return noConvention(request, reply, 409);
    }

    const expectedVersion = parseRowId(values.version);
    if (expectedVersion === null) return again(request, reply, values, STALE, 409);
    const updated = await updateOwnRegistration(db, { ...who, expectedVersion, ...choicesOf(values) }, origin(request, who), clock);
    if (updated.ok) return done(updated.changed ? 'saved' : 'unchanged');
    switch (updated.reason) {
      case 'invalid':
        return render(request, reply, { form, values, errors: updated.errors }, 400);
      case 'stale':
        return again(request, reply, values, STALE, 409);
      case 'closed':
        return again(request, reply, values, CLOSED, 409, false);
      case 'not-found':
        return again(request, reply, values, GONE, 409, false);
    }
  });
}
