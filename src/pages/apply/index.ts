import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerDependencies } from '../../http/server.js';
import { csrfTokenFor } from '../../http/web/csrf.js';
import { formField, formList, formPassword, pathParam } from '../../http/web/form-fields.js';
import { pageArea, sendPage } from '../../http/web/page-area.js';
import { listInstances } from '../../instance/instances.js';
import { APPLICATION_LIMITS, submitApplication, type ApplicationErrors, type ApplicationInput, type UnavailableReason } from '../../platform/developer-applications.js';
import { findInvitationByToken } from '../../platform/invitations.js';
import { MIN_PASSWORD_LENGTH } from '../../platform/operators.js';
import { formatUtc } from '../../platform/program-mail.js';
import { csrfField, errorSummary, field } from '../forms.js';
import { html, type SafeHtml } from '../html.js';

/** Where developers sign in; the portal itself is another page area. */
const PORTAL_LOGIN = '/portal/login';

const EMPTY_INPUT: ApplicationInput = {
  name: '',
  companyName: '',
  companyWebsite: '',
  contactInfo: '',
  displayName: '',
  description: '',
  eventCustomers: [],
  otherEventCustomers: '',
  homepageUrl: '',
  privacyUrl: '',
  password: '',
  passwordConfirmation: '',
};

const UNAVAILABLE: Record<UnavailableReason, { status: number; title: string; body: SafeHtml }> = {
  unknown: {
    status: 404,
    title: 'Invitation not found',
    body: html`<p>This invitation link is not valid. Check that you opened the whole link from the email, or ask the person who invited you for a new invitation.</p>`,
  },
  expired: {
    status: 410,
    title: 'Invitation expired',
    body: html`<p>This invitation has expired. Ask the person who invited you to send it again: you will receive a new link.</p>`,
  },
  withdrawn: {
    status: 410,
    title: 'Invitation withdrawn',
    body: html`<p>This invitation was withdrawn and can no longer be used. Ask the person who invited you if you think this is a mistake.</p>`,
  },
  used: {
    status: 410,
    title: 'Application already submitted',
    body: html`<p>An application was already submitted with this invitation; each invitation is used once.</p>
<p>Sign in to the developer portal at <a href="${PORTAL_LOGIN}">${PORTAL_LOGIN}</a> to follow its review.</p>`,
  },
  'developer-exists': {
    status: 409,
    title: 'You are already a developer',
    body: html`<p>A developer account with this email address already exists. Sign in to the developer portal at <a href="${PORTAL_LOGIN}">${PORTAL_LOGIN}</a>.</p>`,
  },
};

function sendUnavailable(request: FastifyRequest, reply: FastifyReply, reason: UnavailableReason): FastifyReply {
  const page = UNAVAILABLE[reason];
  return sendPage(request, reply, { title: page.title, status: page.status, body: html`<h1>${page.title}</h1>${page.body}` });
}

function readInput(body: unknown): ApplicationInput {
  return {
    name: formField(body, 'name'),
    companyName: formField(body, 'companyName'),
    companyWebsite: formField(body, 'companyWebsite'),
    contactInfo: formField(body, 'contactInfo'),
    displayName: formField(body, 'displayName'),
    description: formField(body, 'description'),
    eventCustomers: formList(body, 'eventCustomers'),
    otherEventCustomers: formField(body, 'otherEventCustomers'),
    homepageUrl: formField(body, 'homepageUrl'),
    privacyUrl: formField(body, 'privacyUrl'),
    // Passwords as typed: spaces at either end are part of them.
    password: formPassword(body, 'password'),
    passwordConfirmation: formPassword(body, 'passwordConfirmation'),
  };
}

interface FormPage {
  token: string;
  email: string;
  note: string;
  expiresAt: string;
  input: ApplicationInput;
  errors: ApplicationErrors;
}

async function renderForm(request: FastifyRequest, reply: FastifyReply, deps: ServerDependencies, page: FormPage, status = 200): Promise<FastifyReply> {
  const instances = await listInstances(deps.database);
  const errors: Record<string, string> = { ...page.errors };
  const { input } = page;
  const customersError = page.errors.eventCustomers;
  const body = html`<h1>Apply to the developer program</h1>
<p>Tell us who you are and what your application will do. Our staff review every application and email you at
<strong>${page.email}</strong> when they decide. This invitation expires on ${formatUtc(page.expiresAt)}.</p>
${page.note === '' ? '' : html`<div class="notice"><strong>Note from the ConCat team:</strong> <span class="pre-line">${page.note}</span></div>`}
${errorSummary(errors)}
<form method="post" action="/invitations/${page.token}" novalidate>
${csrfField(csrfTokenFor(request, reply))}
<fieldset><legend>You</legend>
<div class="field"><label for="f-email">Email (your developer portal login)</label>
<input type="email" id="f-email" value="${page.email}" readonly autocomplete="username" aria-describedby="f-email-hint">
<div class="hint" id="f-email-hint">From your invitation; it cannot be changed here.</div></div>
${field({ name: 'name', label: 'Your name', value: input.name, required: true, autocomplete: 'name', errors, maxLength: APPLICATION_LIMITS.name })}
</fieldset>
<fieldset><legend>Your company</legend>
${field({ name: 'companyName', label: 'Company name', value: input.companyName, required: true, autocomplete: 'organization', errors, maxLength: APPLICATION_LIMITS.companyName, hint: 'If you work on your own, your own name.' })}
${field({ name: 'companyWebsite', label: 'Company website', type: 'url', value: input.companyWebsite, autocomplete: 'url', errors, hint: 'An https:// address.' })}
${field({ name: 'contactInfo', label: 'Contact information', value: input.contactInfo, required: true, multiline: true, errors, maxLength: APPLICATION_LIMITS.contactInfo, hint: 'How we reach your company: phone, postal address, support email.' })}
</fieldset>
<fieldset><legend>Your application</legend>
${field({ name: 'displayName', label: 'Application name', value: input.displayName, required: true, errors, maxLength: APPLICATION_LIMITS.displayName, hint: 'Shown to attendees when they sign in to it.' })}
${field({ name: 'description', label: 'What it will do', value: input.description, required: true, multiline: true, errors, maxLength: APPLICATION_LIMITS.description, hint: 'A short description of the use case: which data it needs and why.' })}
<fieldset id="f-eventCustomers"${customersError === undefined ? '' : html` aria-describedby="f-eventCustomers-error"`}><legend>Event customers you work with or want to <span class="hint">(optional)</span></legend>
${instances.length === 0 ? html`<p class="hint">No event customers are on the platform yet.</p>` : ''}
${instances.map((instance) => html`<label class="choice"><input type="checkbox" name="eventCustomers" value="${instance.slug}"${input.eventCustomers.includes(instance.slug) ? html` checked` : ''}> ${instance.name}</label>`)}
${customersError === undefined ? '' : html`<div class="field-error" id="f-eventCustomers-error">${customersError}</div>`}
${field({ name: 'otherEventCustomers', label: 'Others, not listed above', value: input.otherEventCustomers, errors, maxLength: APPLICATION_LIMITS.otherEventCustomers })}
</fieldset>
${field({ name: 'homepageUrl', label: 'Homepage', type: 'url', value: input.homepageUrl, required: true, errors, hint: 'An https:// address.' })}
${field({ name: 'privacyUrl', label: 'Privacy policy', type: 'url', value: input.privacyUrl, required: true, errors, hint: 'An https:// address: how your application treats attendee data.' })}
</fieldset>
<fieldset><legend>Developer portal password</legend>
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', errors, hint: `At least ${MIN_PASSWORD_LENGTH} characters.` })}
${field({ name: 'passwordConfirmation', label: 'Password again', type: 'password', required: true, autocomplete: 'new-password', errors })}
</fieldset>
<button type="submit">Submit application</button>
</form>`;
  return sendPage(request, reply, { title: 'Apply to the developer program', body, status });
}

function registerRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  const { database, clock } = deps;

  app.get('/invitations/submitted', (request, reply) =>
    sendPage(request, reply, {
      title: 'Application received',
      body: html`<h1>Application received</h1>
<div class="notice" role="status">Thank you: your application is with our staff. We sent you a confirmation email, and will email you again when they decide or need more information.</div>
<p>Sign in to the developer portal at <a href="${PORTAL_LOGIN}">${PORTAL_LOGIN}</a> with your email address and the password you chose to follow the review.</p>`,
    }),
  );

  app.get('/invitations/:token', async (request, reply) => {
    const token = pathParam(request.params, 'token');
    const lookup = await findInvitationByToken(database.db, token, clock);
    if (lookup.status !== 'pending') return sendUnavailable(request, reply, lookup.status);
    const { invitation } = lookup;
    return renderForm(request, reply, deps, { token, email: invitation.email, note: invitation.note, expiresAt: invitation.expiresAt, input: EMPTY_INPUT, errors: {} });
  });

  app.post('/invitations/:token', async (request, reply) => {
    const token = pathParam(request.params, 'token');
    const input = readInput(request.body);
    const result = await submitApplication(database.db, { token, input, ip: request.ip, publicUrl: deps.config.publicUrl }, clock);
    switch (result.outcome) {
      case 'submitted':
        return reply.redirect('/invitations/submitted', 303);
      case 'unavailable':
        return sendUnavailable(request, reply, result.reason);
      case 'invalid': {
        const lookup = await findInvitationByToken(database.db, token, clock);
        if (lookup.status !== 'pending') return sendUnavailable(request, reply, lookup.status);
        const { invitation } = lookup;
        return renderForm(request, reply, deps, { token, email: invitation.email, note: invitation.note, expiresAt: invitation.expiresAt, input: { ...input, password: '', passwordConfirmation: '' }, errors: result.errors }, 400);
      }
    }
  });
}

/**
 * The application form behind an invitation link, on the platform host. Anonymous (the link is
 * the credential); CSRF is checked with the anonymous double-submit cookie.
 */
export function applicationPages(deps: ServerDependencies): FastifyPluginAsync {
  return pageArea({ session: null, database: deps.database, clock: deps.clock }, (app) => registerRoutes(app, deps));
}
