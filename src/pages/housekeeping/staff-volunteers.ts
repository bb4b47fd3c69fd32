import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { MAX_ROW_ID, parseRowId } from '../../db/row-id.js';
import type { Schema, VolunteerDepartmentState } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import { formField } from '../../http/web/form-fields.js';
import { prefixOf } from '../../http/web/page-area.js';
import type { InstancePermission } from '../../instance/permissions.js';
import { currentConventionId } from '../../instance/user-roles.js';
import { assignVolunteer, unassignVolunteer } from '../../instance/volunteer-assignments.js';
import { errorNotice, ownValue, successNotice } from '../components.js';
import { csrfField } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { LIST_QUERY, STAFF_PAGE_SIZE, staffOrigin, anyContains, type StaffToolDeps } from './staff-tools.js';
import type { PageContext } from './views.js';

/**
 * Volunteers in Housekeeping (volunteer:manage): the current convention's volunteers, each with
 * what they told about departments, and assigning them to departments or removing an assignment
 * through `assignVolunteer` / `unassignVolunteer` (audit and event). Both are idempotent, so a
 * repeated or stale form changes nothing rather than doing something twice.
 */

const ACCESS: readonly InstancePermission[] = ['volunteer:manage'];
const ID_PARAMS = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } }, required: ['id'] } as const;
const DONE: Record<string, string> = { assigned: 'Volunteer assigned.', unassigned: 'Assignment removed.', unchanged: 'Nothing changed: it already was so.' };
const NOT_FOUND = 'There is no such volunteer for the current convention in this instance.';

const STATE_LABELS: Record<VolunteerDepartmentState, string> = { assignment: 'assigned', request: 'asked for', interest: 'interested', experience: 'has experience', avoid: 'would rather avoid' };

interface VolunteerRow {
  id: number;
  userId: number;
  username: string;
  name: string;
  email: string;
}

interface VolunteerDetail extends VolunteerRow {
  departments: { id: number; name: string; states: VolunteerDepartmentState[] }[];
}

function baseQuery(db: Kysely<Schema>, orgId: number, conventionId: number) {
  return db
    .selectFrom('volunteers as v')
    .innerJoin('users as u', (join) => join.onRef('u.org_id', '=', 'v.org_id').onRef('u.id', '=', 'v.user_id'))
    .select(['v.id', 'v.user_id as userId', 'u.username', 'u.first_name', 'u.last_name', 'u.email'])
    .where('v.org_id', '=', orgId)
    .where('v.convention_id', '=', conventionId);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;
function toRow(row: BaseRow): VolunteerRow {
  return { id: row.id, userId: row.userId, username: row.username, name: `${row.first_name} ${row.last_name}`.trim(), email: row.email };
}

async function listVolunteers(db: Kysely<Schema>, orgId: number, search: { q: string; page: number }): Promise<{ rows: VolunteerRow[]; more: boolean } | null> {
  const conventionId = await currentConventionId(db, orgId);
  if (conventionId === null) return null;
  let query = baseQuery(db, orgId, conventionId);
  if (search.q !== '') {
    const q = search.q;
    query = query.where((eb) => anyContains([eb.ref('u.username'), eb.ref('u.email'), eb.ref('u.first_name'), eb.ref('u.last_name')], q));
  }
  const found = await query.orderBy('v.id').limit(STAFF_PAGE_SIZE + 1).offset((search.page - 1) * STAFF_PAGE_SIZE).execute();
  return { rows: found.slice(0, STAFF_PAGE_SIZE).map(toRow), more: found.length > STAFF_PAGE_SIZE };
}

async function findVolunteer(db: Kysely<Schema>, orgId: number, id: number): Promise<VolunteerDetail | undefined> {
  const conventionId = await currentConventionId(db, orgId);
  if (conventionId === null) return undefined;
  const row = await baseQuery(db, orgId, conventionId).where('v.id', '=', id).executeTakeFirst();
  if (row === undefined) return undefined;
  const departments = await db.selectFrom('departments').select(['id', 'name']).where('org_id', '=', orgId).orderBy('name').orderBy('id').execute();
  const states = await db.selectFrom('volunteer_departments').select(['department_id', 'state']).where('org_id', '=', orgId).where('volunteer_id', '=', id).execute();
  return { ...toRow(row), departments: departments.map((d) => ({ ...d, states: states.filter((s) => s.department_id === d.id).map((s) => s.state) })) };
}

export function registerStaffVolunteers(app: FastifyInstance, deps: StaffToolDeps): void {
  const { db, clock, viewerOf, show } = deps;

  app.get<{ Querystring: { q?: string; page?: number } }>('/housekeeping/volunteers', { config: { housekeepingAccess: ACCESS }, schema: { querystring: LIST_QUERY } }, async (request, reply) => {
    const { instance, context } = viewerOf(request);
    const search = { q: (request.query.q ?? '').trim(), page: request.query.page ?? 1 };
    return show(request, reply, 'volunteers', 'Volunteers', volunteersPage(context, search, await listVolunteers(db, instance.orgId, search)));
  });

  const renderVolunteer = async (request: FastifyRequest, reply: FastifyReply, id: number, notice?: string, status = 200) => {
    const { instance, context } = viewerOf(request);
    const volunteer = await findVolunteer(db, instance.orgId, id);
    if (volunteer === undefined) return reply.sendError(apiError.notFound(NOT_FOUND));
    const message = status === 200 ? ownValue(DONE, formField(request.query, 'done')) : undefined;
    return show(request, reply, 'volunteers', volunteer.username, volunteerPage(context, volunteer, message, notice), status);
  };

  app.get<{ Params: { id: number } }>('/housekeeping/volunteers/:id', { config: { housekeepingAccess: ACCESS }, schema: { params: ID_PARAMS } }, (request, reply) => renderVolunteer(request, reply, request.params.id));

  for (const kind of ['assign', 'unassign'] as const) {
    app.post<{ Params: { id: number } }>(`/housekeeping/volunteers/:id/${kind}`, { config: { housekeepingAccess: ACCESS }, schema: { params: ID_PARAMS } }, async (request, reply) => {
      const { instance, userId: staffId } = viewerOf(request);
      const id = request.params.id;
      const volunteer = await findVolunteer(db, instance.orgId, id);
      if (volunteer === undefined) return reply.sendError(apiError.notFound(NOT_FOUND));
      const departmentId = parseRowId(formField(request.body, 'department'));
      if (departmentId === null) return renderVolunteer(request, reply, id, 'Choose a department from the list.', 400);
      const change = kind === 'assign' ? assignVolunteer : unassignVolunteer;
      const result = await change(db, { orgId: instance.orgId, userId: volunteer.userId, departmentId }, staffOrigin(request, staffId), clock);
      if (!result.ok) {
        if (result.reason === 'volunteer-not-found') return reply.sendError(apiError.notFound(NOT_FOUND));
        return renderVolunteer(request, reply, id, 'Choose a department from the list.', 400);
      }
      return reply.redirect(`${prefixOf(request)}/housekeeping/volunteers/${id}?done=${result.changed ? `${kind}ed` : 'unchanged'}`, 303);
    });
  }
}

function volunteersPage(context: PageContext, search: { q: string; page: number }, found: { rows: VolunteerRow[]; more: boolean } | null): SafeHtml {
  const base = `${context.prefix}/housekeeping/volunteers`;
  const pageLink = (page: number, label: string) => html`<a href="${base}?${new URLSearchParams({ q: search.q, page: String(page) }).toString()}">${label}</a>`;
  const rows = (found?.rows ?? []).map((v) => html`<tr><td><a href="${base}/${v.id}">${v.username}</a></td><td>${v.name}</td><td>${v.email}</td></tr>`);
  return html`<h1>Volunteers</h1>
<form method="get" action="${base}" role="search">
<label for="f-q">Name, username or email</label>
<input id="f-q" name="q" type="search" value="${search.q}" maxlength="100">
<button type="submit">Search</button>
</form>
${found === null
    ? html`<p class="muted">${context.instanceName} has no current convention, so there are no volunteers to manage.</p>`
    : rows.length === 0
      ? html`<p class="muted">No volunteer matches.</p>`
      : html`<div class="table-scroll"><table><thead><tr><th scope="col">Volunteer</th><th scope="col">Name</th><th scope="col">Email</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<nav aria-label="Pages" class="pager">${search.page > 1 ? pageLink(search.page - 1, 'Previous page') : ''}${found?.more === true ? pageLink(search.page + 1, 'Next page') : ''}</nav>`;
}

function volunteerPage(context: PageContext, v: VolunteerDetail, message: string | undefined, notice: string | undefined): SafeHtml {
  const base = `${context.prefix}/housekeeping/volunteers/${v.id}`;
  const rows = v.departments.map((d) => {
    const assigned = d.states.includes('assignment');
    const told = d.states.filter((s) => s !== 'assignment').map((s) => STATE_LABELS[s]).join(', ');
    return html`<tr><td>${d.name}</td><td>${told}</td><td>${assigned ? 'Assigned' : html`<span class="muted">not assigned</span>`}</td><td><form method="post" action="${base}/${assigned ? 'unassign' : 'assign'}" class="inline">${csrfField(context.csrfToken)}<input type="hidden" name="department" value="${String(d.id)}"><button type="submit"${assigned ? html` class="danger"` : ''}>${assigned ? `Unassign from ${d.name}` : `Assign to ${d.name}`}</button></form></td></tr>`;
  });
  return html`<h1>Volunteer ${v.username}</h1>
${successNotice(message)}
${errorNotice(notice)}
<p>${v.name === '' ? '' : html`${v.name} · `}${v.email}</p>
<h2>Departments</h2>
${rows.length === 0
    ? html`<p class="muted">${context.instanceName} has no departments.</p>`
    : html`<div class="table-scroll"><table><thead><tr><th scope="col">Department</th><th scope="col">The volunteer</th><th scope="col">Assignment</th><th scope="col">Change</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<p><a href="${context.prefix}/housekeeping/volunteers">Back to volunteers</a></p>`;
}
