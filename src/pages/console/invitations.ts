import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../../http/errors.js';
import type { ServerDependencies } from '../../http/server.js';
import { formField } from '../../http/web/form-fields.js';
import {
  createInvitation,
  InvitationError,
  INVITATION_LIFETIME_DAYS,
  listInvitations,
  MAX_INVITATION_NOTE_LENGTH,
  resendInvitation,
  UnknownInvitationError,
  withdrawInvitation,
  type InvitationStatus,
} from '../../platform/invitations.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html } from '../html.js';
import { sendConsolePage } from './views.js';
import { buttonForm, errorNotice, ownValue, statusBadge, successNotice, time, wideTable } from '../components.js';
import { idParam, queryParam } from '../../http/web/form-fields.js';

const STATUS_LABELS: Record<InvitationStatus, string> = { pending: 'Pending', used: 'Used', expired: 'Expired', withdrawn: 'Withdrawn' };

const DONE_MESSAGES: Record<string, string> = {
  created: 'Invitation sent.',
  resent: 'Invitation sent again with a new link; the old link no longer works.',
  withdrawn: 'Invitation withdrawn; its link no longer works.',
};

interface InvitationForm {
  email: string;
  note: string;
  errors: FieldErrors;
  refusal?: string;
  done?: string;
}

async function renderInvitations(request: FastifyRequest, reply: FastifyReply, deps: ServerDependencies, form: InvitationForm, status = 200): Promise<FastifyReply> {
  const invitations = await listInvitations(deps.database.db, deps.clock);
  const rows = invitations.map((invitation) => {
    const actions = [
      invitation.status === 'pending' || invitation.status === 'expired' ? buttonForm(request, `/console/invitations/${invitation.id}/resend`, 'Resend') : html``,
      invitation.status === 'pending' ? buttonForm(request, `/console/invitations/${invitation.id}/withdraw`, 'Withdraw', { danger: true }) : html``,
    ];
    return html`<tr><td>${invitation.email}</td><td>${statusBadge(STATUS_LABELS[invitation.status])}</td><td>${time(invitation.createdAt)}<br><span class="hint">by ${invitation.createdBy}</span></td><td>${time(invitation.status === 'used' ? invitation.usedAt : invitation.status === 'withdrawn' ? invitation.withdrawnAt : invitation.expiresAt)}</td><td class="pre-line">${invitation.note}</td><td class="actions">${actions}</td></tr>`;
  });
  const body = html`<h1>Invitations</h1>
${successNotice(ownValue(DONE_MESSAGES, form.done))}${errorNotice(form.refusal)}
<section aria-labelledby="invite-h"><h2 id="invite-h">Invite a developer</h2>
<p>The invitee receives an email with a link to the application form. The link works once and expires after ${INVITATION_LIFETIME_DAYS} days.</p>
${errorSummary(form.errors)}
<form method="post" action="/console/invitations" novalidate>${csrfField(request.webSession?.csrfToken ?? '')}
${field({ name: 'email', label: 'Email', type: 'email', value: form.email, required: true, autocomplete: 'off', errors: form.errors })}
${field({ name: 'note', label: 'Note to the invitee', multiline: true, value: form.note, errors: form.errors, hint: 'Included in the email, e.g. why you are inviting them.', maxLength: MAX_INVITATION_NOTE_LENGTH })}
<button type="submit">Send invitation</button></form></section>
<h2>All invitations</h2>
${wideTable(
    html`<tr><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Sent</th><th scope="col">Used, withdrawn or expires</th><th scope="col">Note</th><th scope="col">Actions</th></tr>`,
    rows,
    'No invitations yet.',
  )}`;
  return sendConsolePage(request, reply, { title: 'Invitations', body, section: '/console/invitations', status });
}

export function registerInvitationRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  const db = deps.database.db;
  const operatorActor = (request: FastifyRequest) => {
    const id = request.webSession?.subjectId;
    if (id === undefined) throw apiError.access('Sign in first');
    return { id, actor: { type: 'operator' as const, id: String(id) } };
  };

  app.get('/console/invitations', async (request, reply) =>
    renderInvitations(request, reply, deps, { email: '', note: '', errors: {}, done: queryParam(request.query, 'done') }),
  );

  app.post('/console/invitations', async (request, reply) => {
    const { id, actor } = operatorActor(request);
    const email = formField(request.body, 'email');
    const note = formField(request.body, 'note');
    try {
      await createInvitation(db, { email, note, operatorId: id, actor, ip: request.ip, publicUrl: deps.config.publicUrl }, deps.clock);
    } catch (error) {
      if (!(error instanceof InvitationError)) throw error;
      return renderInvitations(request, reply, deps, { email, note, errors: { [error.field === '' || error.field === 'expiresInDays' ? '' : error.field]: error.message } }, 400);
    }
    return reply.redirect('/console/invitations?done=created', 303);
  });

  /** Resend and withdraw: refusals (already used, withdrawn…) re-render the list with the reason. */
  const change = (path: 'resend' | 'withdraw', done: string, act: (invitationId: number, request: FastifyRequest) => Promise<unknown>) => {
    app.post(`/console/invitations/:id/${path}`, async (request, reply) => {
      const invitationId = idParam(request.params);
      if (invitationId === null) throw apiError.notFound('No such invitation');
      try {
        await act(invitationId, request);
      } catch (error) {
        if (!(error instanceof InvitationError)) throw error;
        return renderInvitations(request, reply, deps, { email: '', note: '', errors: {}, refusal: error.message }, error instanceof UnknownInvitationError ? 404 : 409);
      }
      return reply.redirect(`/console/invitations?done=${done}`, 303);
    });
  };
  change('resend', 'resent', (invitationId, request) => resendInvitation(db, { invitationId, actor: operatorActor(request).actor, ip: request.ip, publicUrl: deps.config.publicUrl }, deps.clock));
  change('withdraw', 'withdrawn', (invitationId, request) => withdrawInvitation(db, { invitationId, actor: operatorActor(request).actor, ip: request.ip }, deps.clock));
}
