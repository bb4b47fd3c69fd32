import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Schema } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import { formField, queryParam } from '../../http/web/form-fields.js';
import { prefixOf } from '../../http/web/page-area.js';
import { confirmEmailChange, emailLinkState, emailProblem, pendingEmailChange, requestEmailChange } from '../../instance/user-email-change.js';
import { updateUserProfile, type ProfileChangeOrigin, type ProfileChanges } from '../../instance/user-profile-changes.js';
import { findUserProfile } from '../../instance/user-profile.js';
import { normalizeEmail } from '../../platform/email-address.js';
import { ownValue } from '../components.js';
import type { FieldErrors } from '../forms.js';
import type { AccountViewer, ShowAccountPage } from './account-page.js';
import { confirmEmailPage, EMAIL_CONFIRM_PATH, emailLinkProblemPage, PROFILE_PATH, profileFormValues, profilePage, type EmailLinkProblem, type ProfileFormValues, type ProfilePageState } from './profile-views.js';

interface ProfileDeps {
  db: Kysely<Schema>;
  clock: Clock;
  viewer: (request: FastifyRequest) => AccountViewer;
  show: ShowAccountPage;
}

const DONE_MESSAGES: Readonly<Record<string, string>> = {
  saved: 'Your profile is saved.',
  unchanged: 'Nothing to save: your profile already had these values.',
  'email-sent': 'We sent a link to your new email address: open it while signed in to start using that address. Any other changes are saved.',
  'email-changed': 'Your email address is changed and verified.',
};

const STALE = 'Your profile was changed elsewhere (for example in another tab) after you opened this page, so nothing was saved. The form shows what you entered, over the latest saved profile: check it and save again.';
const ACCOUNT_GONE = 'Your account no longer exists here.';

/** The profile form as posted; every field is read as text, so nothing in the body can be of an unexpected type. */
function postedValues(body: unknown): ProfileFormValues {
  return {
    version: formField(body, 'version'),
    firstName: formField(body, 'firstName'),
    lastName: formField(body, 'lastName'),
    preferredName: formField(body, 'preferredName'),
    username: formField(body, 'username'),
    email: formField(body, 'email'),
    phone: formField(body, 'phone'),
    addressLine1: formField(body, 'addressLine1'),
    addressLine2: formField(body, 'addressLine2'),
    city: formField(body, 'city'),
    state: formField(body, 'state'),
    zipcode: formField(body, 'zipcode'),
    country: formField(body, 'country'),
    newsletter: formField(body, 'newsletter') === 'yes',
    profilePictureUrl: formField(body, 'profilePictureUrl'),
  };
}

/** Every profile field of the form but the email address, which changes through its own link. */
function changesOf(values: ProfileFormValues): ProfileChanges {
  return {
    firstName: values.firstName,
    lastName: values.lastName,
    preferredName: values.preferredName,
    username: values.username,
    phone: values.phone,
    addressLine1: values.addressLine1,
    addressLine2: values.addressLine2,
    city: values.city,
    state: values.state,
    zipcode: values.zipcode,
    country: values.country,
    newsletter: values.newsletter,
    profilePictureUrl: values.profilePictureUrl,
  };
}

function origin(request: FastifyRequest, viewer: AccountViewer): ProfileChangeOrigin {
  return { actor: { type: 'user', id: String(viewer.userId) }, ip: request.ip };
}

/**
 * The profile page (`/account/profile`: the form, and its POST) and the confirmation of a new
 * email address (`/account/email/confirm`, the emailed link). Names, username, phone, address,
 * newsletter and picture are saved at once; a new email address is only asked for, and used once
 * the signed-in user opens the link sent to it and confirms.
 */
export function registerProfilePages(app: FastifyInstance, deps: ProfileDeps): void {
  const { db, clock, viewer, show } = deps;

  const renderForm = async (request: FastifyRequest, reply: FastifyReply, state: Omit<ProfilePageState, 'pending'>, status = 200): Promise<FastifyReply> => {
    const { orgId, userId } = viewer(request);
    const pending = await pendingEmailChange(db, orgId, userId, clock);
    return show(request, reply, { current: 'profile', status, render: (context) => ({ title: 'Your profile', body: profilePage(context, { ...state, pending }) }) });
  };

  const linkProblem = (request: FastifyRequest, reply: FastifyReply, problem: EmailLinkProblem): Promise<FastifyReply> =>
    show(request, reply, { current: null, status: problem === 'unknown' ? 404 : problem === 'email-taken' ? 409 : 410, render: (context) => emailLinkProblemPage(context, problem) });

  app.get(PROFILE_PATH, async (request, reply) => {
    const { orgId, userId } = viewer(request);
    const profile = await findUserProfile(db, orgId, userId);
    if (profile === undefined) return reply.sendError(apiError.notFound(ACCOUNT_GONE));
    return renderForm(request, reply, { values: profileFormValues(profile), errors: {}, done: ownValue(DONE_MESSAGES, queryParam(request.query, 'done')) });
  });

  app.post(PROFILE_PATH, async (request, reply) => {
    const who = viewer(request);
    const values = postedValues(request.body);
    const before = await findUserProfile(db, who.orgId, who.userId);
    if (before === undefined) return reply.sendError(apiError.notFound(ACCOUNT_GONE));
    const emailChanged = normalizeEmail(values.email) !== normalizeEmail(before.email);
    const emailError = emailChanged ? emailProblem(values.email) : undefined;
    const result = await updateUserProfile(db, { orgId: who.orgId, userId: who.userId, changes: changesOf(values), expectedUpdatedAt: values.version }, origin(request, who), clock);
    if (!result.ok && result.reason === 'user-not-found') return reply.sendError(apiError.notFound(ACCOUNT_GONE));
    if (!result.ok && result.reason === 'stale') {
      // Keep what the user typed, but against the latest version: saving again is then a deliberate overwrite.
      return renderForm(request, reply, { values: { ...values, version: before.updatedAt }, errors: {}, problem: STALE }, 409);
    }
    const errors: FieldErrors = { ...(!result.ok && result.reason === 'invalid' ? result.errors : {}), ...(emailError === undefined ? {} : { email: emailError }) };
    if (!result.ok || emailError !== undefined) return renderForm(request, reply, { values, errors }, 400);
    if (emailChanged) {
      const tenant = request.tenant;
      const instanceName = tenant.kind === 'instance' ? tenant.instance.name : '';
      const baseUrl = tenant.kind === 'instance' ? tenant.baseUrl : '';
      const asked = await requestEmailChange(
        db,
        { orgId: who.orgId, userId: who.userId, newEmail: values.email, instanceName, confirmationLink: (token) => `${baseUrl}${EMAIL_CONFIRM_PATH}?token=${encodeURIComponent(token)}` },
        origin(request, who),
        clock,
      );
      if (!asked.ok && asked.reason === 'user-not-found') return reply.sendError(apiError.notFound(ACCOUNT_GONE));
      if (!asked.ok) {
        const saved = result.changed.length > 0 ? 'Your other changes are saved. ' : '';
        return renderForm(request, reply, { values: { ...values, version: result.profile.updatedAt }, errors: { email: `${saved}${asked.error}` } }, 400);
      }
      return reply.redirect(`${prefixOf(request)}${PROFILE_PATH}?done=email-sent`, 303);
    }
    return reply.redirect(`${prefixOf(request)}${PROFILE_PATH}?done=${result.changed.length > 0 ? 'saved' : 'unchanged'}`, 303);
  });

  app.get(EMAIL_CONFIRM_PATH, async (request, reply) => {
    const { orgId, userId } = viewer(request);
    const token = queryParam(request.query, 'token');
    const link = await emailLinkState(db, orgId, userId, token, clock);
    if (link.state !== 'pending') return linkProblem(request, reply, link.state);
    return show(request, reply, { current: null, render: (context) => ({ title: 'Confirm your new email address', body: confirmEmailPage(context, token, link.newEmail) }) });
  });

  app.post(EMAIL_CONFIRM_PATH, async (request, reply) => {
    const who = viewer(request);
    const confirmed = await confirmEmailChange(db, { ...who, token: formField(request.body, 'token') }, origin(request, who), clock);
    if (!confirmed.ok) return linkProblem(request, reply, confirmed.reason);
    return reply.redirect(`${prefixOf(request)}${PROFILE_PATH}?done=email-changed`, 303);
  });
}
