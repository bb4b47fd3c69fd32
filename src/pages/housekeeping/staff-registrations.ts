import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { MAX_ROW_ID, parseRowId } from '../../db/row-id.js';
import type { RegistrationStatus, Schema } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import { formField, formList } from '../../http/web/form-fields.js';
import { prefixOf } from '../../http/web/page-area.js';
import type { InstancePermission } from '../../instance/permissions.js';
import { BADGE_NAME_MAX_LENGTH, changeRegistration, registrationETag } from '../../instance/registration-changes.js';
import { currentConventionId } from '../../instance/user-roles.js';
import { errorNotice, ownValue, successNotice } from '../components.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { anyContains, LIST_QUERY, STAFF_PAGE_SIZE, staffOrigin, type StaffToolDeps } from './staff-tools.js';
import type { PageContext } from './views.js';

/**
 * Registrations in Housekeeping (registration:manage): search the current convention's
 * registrations, open one, change its status, badge name and flags. Every change goes through
 * `changeRegistration` (validation, audit, event) conditioned on the version the form was read
 * at, so a form opened before someone else's change is refused, never applied over it.
 */

const ACCESS: readonly InstancePermission[] = ['registration:manage'];
const STATUSES: readonly RegistrationStatus[] = ['unpaid', 'paid', 'cancelled', 'refunded'];
const ID_PARAMS = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } }, required: ['id'] } as const;
const SEARCH_QUERY = { ...LIST_QUERY, properties: { ...LIST_QUERY.properties, status: { type: 'string', enum: ['', ...STATUSES] } } } as const;

const DONE: Record<string, string> = { changed: 'Registration saved.', unchanged: 'Nothing changed.' };
const STALE = 'Someone changed this registration since you opened it, so your change was not saved. The form now shows its current state: check it and make your change again.';

function isStatus(value: string): value is RegistrationStatus {
  return (STATUSES as readonly string[]).includes(value);
}

interface RegistrationRow {
  id: number;
  userId: number;
  username: string;
  name: string;
  email: string;
  badgeName: string;
  status: RegistrationStatus;
}

interface RegistrationDetail extends RegistrationRow {
  etag: string;
  heldFlagIds: number[];
  flags: { id: number; name: string }[];
}

function baseQuery(db: Kysely<Schema>, orgId: number, conventionId: number) {
  return db
    .selectFrom('registrations as r')
    .innerJoin('users as u', (join) => join.onRef('u.org_id', '=', 'r.org_id').onRef('u.id', '=', 'r.user_id'))
    .select(['r.id', 'r.user_id as userId', 'u.username', 'u.first_name', 'u.last_name', 'u.email', 'r.badge_name as badgeName', 'r.status', 'r.version'])
    .where('r.org_id', '=', orgId)
    .where('r.convention_id', '=', conventionId);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;
function toRow(row: BaseRow): RegistrationRow {
  return { id: row.id, userId: row.userId, username: row.username, name: `${row.first_name} ${row.last_name}`.trim(), email: row.email, badgeName: row.badgeName, status: row.status };
}

/** One page of the current convention's registrations matching the search, by id; null when there is no current convention. */
async function searchRegistrations(db: Kysely<Schema>, orgId: number, search: { q: string; status: string; page: number }): Promise<{ rows: RegistrationRow[]; more: boolean } | null> {
  const conventionId = await currentConventionId(db, orgId);
  if (conventionId === null) return null;
  let query = baseQuery(db, orgId, conventionId);
  if (search.q !== '') {
    const q = search.q;
    query = query.where((eb) => anyContains([eb.ref('u.username'), eb.ref('u.email'), eb.ref('r.badge_name'), eb.ref('u.first_name'), eb.ref('u.last_name'), sql<string>`${eb.ref('u.first_name')} || ' ' || ${eb.ref('u.last_name')}`], q));
  }
  if (isStatus(search.status)) query = query.where('r.status', '=', search.status);
  const found = await query.orderBy('r.id').limit(STAFF_PAGE_SIZE + 1).offset((search.page - 1) * STAFF_PAGE_SIZE).execute();
  return { rows: found.slice(0, STAFF_PAGE_SIZE).map(toRow), more: found.length > STAFF_PAGE_SIZE };
}

/** A registration of the current convention in this instance, with its flags and the instance's flags. */
async function findRegistration(db: Kysely<Schema>, orgId: number, id: number): Promise<RegistrationDetail | undefined> {
  const conventionId = await currentConventionId(db, orgId);
  if (conventionId === null) return undefined;
  const row = await baseQuery(db, orgId, conventionId).where('r.id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  const held = await db.selectFrom('registration_flags').select('flag_id').where('org_id', '=', orgId).where('registration_id', '=', id).execute();
  const flags = await db.selectFrom('flags').select(['id', 'name']).where('org_id', '=', orgId).orderBy('name').orderBy('id').execute();
  return { ...toRow(row), etag: registrationETag(row.id, row.version), heldFlagIds: held.map((f) => f.flag_id), flags };
}

export function registerStaffRegistrations(app: FastifyInstance, deps: StaffToolDeps): void {
  const { db, clock, viewerOf, show } = deps;

  app.get<{ Querystring: { q?: string; status?: string; page?: number } }>('/housekeeping/registrations', { config: { housekeepingAccess: ACCESS }, schema: { querystring: SEARCH_QUERY } }, async (request, reply) => {
    const { instance, context } = viewerOf(request);
    const search = { q: (request.query.q ?? '').trim(), status: request.query.status ?? '', page: request.query.page ?? 1 };
    const found = await searchRegistrations(db, instance.orgId, search);
    return show(request, reply, 'registrations', 'Registrations', registrationsPage(context, search, found));
  });

  const renderRegistration = async (request: FastifyRequest, reply: FastifyReply, id: number, problem: { notice?: string; errors?: FieldErrors; badgeName?: string } = {}, status = 200) => {
    const { instance, context } = viewerOf(request);
    const registration = await findRegistration(db, instance.orgId, id);
    if (registration === undefined) return reply.sendError(apiError.notFound('There is no such registration for the current convention in this instance.'));
    const message = status === 200 ? ownValue(DONE, formField(request.query, 'done')) : undefined;
    return show(request, reply, 'registrations', registration.username, registrationPage(context, registration, { message, ...problem }), status);
  };

  app.get<{ Params: { id: number } }>('/housekeeping/registrations/:id', { config: { housekeepingAccess: ACCESS }, schema: { params: ID_PARAMS } }, (request, reply) => renderRegistration(request, reply, request.params.id));

  app.post<{ Params: { id: number } }>('/housekeeping/registrations/:id', { config: { housekeepingAccess: ACCESS }, schema: { params: ID_PARAMS } }, async (request, reply) => {
    const { instance, userId: staffId } = viewerOf(request);
    const id = request.params.id;
    const current = await findRegistration(db, instance.orgId, id);
    if (current === undefined) return reply.sendError(apiError.notFound('There is no such registration for the current convention in this instance.'));
    const version = formField(request.body, 'version');
    const status = formField(request.body, 'status');
    const badgeName = formField(request.body, 'badgeName');
    const chosen = formList(request.body, 'flags').map(parseRowId);
    const known = new Set(current.flags.map((f) => f.id));
    if (version === '') return renderRegistration(request, reply, id, { notice: 'The form was incomplete (it carried no version). Make your change again.' }, 400);
    if (!isStatus(status)) return renderRegistration(request, reply, id, { errors: { status: 'Choose one of the statuses.' }, badgeName }, 400);
    const wanted = new Set<number>();
    for (const flagId of chosen) {
      // Checked against the instance's flags before any query, so a flood of ids costs nothing.
      if (flagId === null || !known.has(flagId)) return renderRegistration(request, reply, id, { errors: { flags: 'Choose flags from the list.' }, badgeName }, 400);
      wanted.add(flagId);
    }
    // The form shows the flags as of its version; the condition below makes the difference exact.
    const result = await changeRegistration(
      db,
      {
        orgId: instance.orgId,
        userId: current.userId,
        status,
        // Only a changed name is checked, so an old name that today's rules refuse does not block a status change.
        ...(badgeName === current.badgeName ? {} : { badgeName }),
        addFlagIds: [...wanted].filter((flagId) => !current.heldFlagIds.includes(flagId)),
        removeFlagIds: current.heldFlagIds.filter((flagId) => !wanted.has(flagId)),
        ifMatch: [version],
      },
      staffOrigin(request, staffId),
      clock,
    );
    if (result.ok) return reply.redirect(`${prefixOf(request)}/housekeeping/registrations/${id}?done=${result.changed ? 'changed' : 'unchanged'}`, 303);
    switch (result.reason) {
      case 'not-found':
        return reply.sendError(apiError.notFound('There is no such registration for the current convention in this instance.'));
      case 'version-mismatch':
      case 'concurrent-changes':
        return renderRegistration(request, reply, id, { notice: STALE }, 409);
      case 'invalid-badge-name':
        return renderRegistration(request, reply, id, { errors: { badgeName: `The badge name ${result.message}.` }, badgeName }, 400);
      case 'unknown-flags':
      case 'flags-added-and-removed':
        return renderRegistration(request, reply, id, { errors: { flags: 'Choose flags from the list.' }, badgeName }, 400);
    }
  });
}

function statusLabel(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

function registrationsPage(context: PageContext, search: { q: string; status: string; page: number }, found: { rows: RegistrationRow[]; more: boolean } | null): SafeHtml {
  const base = `${context.prefix}/housekeeping/registrations`;
  const pageLink = (page: number, label: string) => html`<a href="${base}?${new URLSearchParams({ q: search.q, status: search.status, page: String(page) }).toString()}">${label}</a>`;
  const rows = (found?.rows ?? []).map(
    (r) => html`<tr><td><a href="${base}/${r.id}">${r.username}</a><br><span class="hint">${r.name}</span></td><td>${r.badgeName}</td><td>${r.email}</td><td>${statusLabel(r.status)}</td></tr>`,
  );
  return html`<h1>Registrations</h1>
<form method="get" action="${base}" role="search">
<label for="f-q">Name, username, email or badge name</label>
<input id="f-q" name="q" type="search" value="${search.q}" maxlength="100">
<label for="f-status">Status</label>
<select id="f-status" name="status"><option value="">Any</option>${STATUSES.map((s) => html`<option value="${s}"${search.status === s ? html` selected` : ''}>${statusLabel(s)}</option>`)}</select>
<button type="submit">Search</button>
</form>
${found === null
    ? html`<p class="muted">${context.instanceName} has no current convention, so there are no registrations to manage.</p>`
    : rows.length === 0
      ? html`<p class="muted">No registration matches.</p>`
      : html`<div class="table-scroll"><table><thead><tr><th scope="col">Attendee</th><th scope="col">Badge name</th><th scope="col">Email</th><th scope="col">Status</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<nav aria-label="Pages" class="pager">${search.page > 1 ? pageLink(search.page - 1, 'Previous page') : ''}${found?.more === true ? pageLink(search.page + 1, 'Next page') : ''}</nav>`;
}

function registrationPage(context: PageContext, r: RegistrationDetail, shown: { message?: string; notice?: string; errors?: FieldErrors; badgeName?: string }): SafeHtml {
  const errors = shown.errors ?? {};
  const base = `${context.prefix}/housekeeping/registrations`;
  return html`<h1>Registration of ${r.username}</h1>
${successNotice(shown.message)}
${errorNotice(shown.notice)}
${errorSummary(errors)}
<p>${r.name === '' ? '' : html`${r.name} · `}${r.email}</p>
<form method="post" action="${base}/${r.id}">
${csrfField(context.csrfToken)}
<input type="hidden" name="version" value="${r.etag}">
<fieldset id="f-status"${errors.status === undefined ? '' : html` aria-describedby="status-error"`}>
<legend>Status</legend>
${errors.status === undefined ? '' : html`<div class="field-error" id="status-error">${errors.status}</div>`}
${STATUSES.map((s) => html`<label class="choice"><input type="radio" name="status" value="${s}"${r.status === s ? html` checked` : ''}> <span>${statusLabel(s)}</span></label>`)}
</fieldset>
${field({ name: 'badgeName', label: 'Badge name', value: shown.badgeName ?? r.badgeName, required: true, maxLength: BADGE_NAME_MAX_LENGTH, errors })}
<fieldset id="f-flags"${errors.flags === undefined ? '' : html` aria-describedby="flags-error"`}>
<legend>Flags</legend>
${errors.flags === undefined ? '' : html`<div class="field-error" id="flags-error">${errors.flags}</div>`}
${r.flags.length === 0
    ? html`<p class="muted">${context.instanceName} has no flags.</p>`
    : r.flags.map((f) => html`<label class="choice"><input type="checkbox" name="flags" value="${String(f.id)}"${r.heldFlagIds.includes(f.id) ? html` checked` : ''}> <span>${f.name}</span></label>`)}
</fieldset>
<button type="submit">Save registration</button>
</form>
<p><a href="${base}">Back to registrations</a></p>`;
}
