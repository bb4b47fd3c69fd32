import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { MAX_ROW_ID, parseRowId } from '../../db/row-id.js';
import type { RoleScope, Schema } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import { formField } from '../../http/web/form-fields.js';
import { prefixOf } from '../../http/web/page-area.js';
import type { InstancePermission } from '../../instance/permissions.js';
import { assignRole, heldRoles, removeRole, type HeldRole, type RoleChangeRefusal } from '../../instance/user-roles.js';
import { errorNotice, ownValue, successNotice } from '../components.js';
import { csrfField } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { anyContains, LIST_QUERY, STAFF_PAGE_SIZE, staffOrigin, type StaffToolDeps } from './staff-tools.js';
import type { PageContext } from './views.js';

/**
 * Users and roles in Housekeeping (user:roles:manage): find a user, see the roles they hold now,
 * give a role for the current convention or globally, take one away, through `assignRole` /
 * `removeRole` (audit and event). Both rely on the database's uniqueness, so a repeated form is
 * told the role is already held (or no longer held) rather than changing anything twice.
 */

const ACCESS: readonly InstancePermission[] = ['user:roles:manage'];
const ID_PARAMS = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } }, required: ['id'] } as const;
const DONE: Record<string, string> = { assigned: 'Role given.', removed: 'Role taken away.' };
const NOT_FOUND = 'There is no such user in this instance.';
const SCOPE_LABELS: Record<RoleScope, string> = { convention: 'for the current convention', global: 'for every convention' };

const REFUSALS: Record<Exclude<RoleChangeRefusal, 'user-not-found'>, { message: string; status: number }> = {
  'role-not-found': { message: 'Choose a role from the list.', status: 400 },
  'already-held': { message: 'The user already holds this role in that scope; nothing changed.', status: 409 },
  'not-held': { message: 'The user no longer holds this role in that scope; nothing changed.', status: 409 },
  'no-current-convention': { message: 'There is no current convention to give the role for; give it for every convention instead.', status: 409 },
};

interface UserRow {
  id: number;
  username: string;
  name: string;
  email: string;
}

function isScope(value: string): value is RoleScope {
  return value === 'convention' || value === 'global';
}

function usersQuery(db: Kysely<Schema>, orgId: number) {
  return db.selectFrom('users').select(['id', 'username', 'first_name', 'last_name', 'email']).where('org_id', '=', orgId);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof usersQuery>['executeTakeFirstOrThrow']>>;
function toRow(row: BaseRow): UserRow {
  return { id: row.id, username: row.username, name: `${row.first_name} ${row.last_name}`.trim(), email: row.email };
}

async function searchUsers(db: Kysely<Schema>, orgId: number, search: { q: string; page: number }): Promise<{ rows: UserRow[]; more: boolean }> {
  let query = usersQuery(db, orgId);
  if (search.q !== '') {
    const q = search.q;
    query = query.where((eb) => anyContains([eb.ref('username'), eb.ref('email'), eb.ref('first_name'), eb.ref('last_name')], q));
  }
  const found = await query.orderBy('id').limit(STAFF_PAGE_SIZE + 1).offset((search.page - 1) * STAFF_PAGE_SIZE).execute();
  return { rows: found.slice(0, STAFF_PAGE_SIZE).map(toRow), more: found.length > STAFF_PAGE_SIZE };
}

export function registerStaffRoles(app: FastifyInstance, deps: StaffToolDeps): void {
  const { db, clock, viewerOf, show } = deps;

  app.get<{ Querystring: { q?: string; page?: number } }>('/housekeeping/users', { config: { housekeepingAccess: ACCESS }, schema: { querystring: LIST_QUERY } }, async (request, reply) => {
    const { instance, context } = viewerOf(request);
    const search = { q: (request.query.q ?? '').trim(), page: request.query.page ?? 1 };
    return show(request, reply, 'users', 'Users and roles', usersPage(context, search, await searchUsers(db, instance.orgId, search)));
  });

  const renderUser = async (request: FastifyRequest, reply: FastifyReply, id: number, notice?: string, status = 200) => {
    const { instance, context } = viewerOf(request);
    const user = await usersQuery(db, instance.orgId).where('id', '=', id).executeTakeFirst();
    const held = await heldRoles(db, instance.orgId, id);
    if (user === undefined || held === null) return reply.sendError(apiError.notFound(NOT_FOUND));
    const roles = await db.selectFrom('roles').select(['id', 'name', 'description']).where('org_id', '=', instance.orgId).orderBy('name').orderBy('id').execute();
    const message = status === 200 ? ownValue(DONE, formField(request.query, 'done')) : undefined;
    return show(request, reply, 'users', user.username, userPage(context, toRow(user), held, roles, message, notice), status);
  };

  app.get<{ Params: { id: number } }>('/housekeeping/users/:id', { config: { housekeepingAccess: ACCESS }, schema: { params: ID_PARAMS } }, (request, reply) => renderUser(request, reply, request.params.id));

  for (const kind of ['assign', 'remove'] as const) {
    app.post<{ Params: { id: number } }>(`/housekeeping/users/:id/roles/${kind}`, { config: { housekeepingAccess: ACCESS }, schema: { params: ID_PARAMS } }, async (request, reply) => {
      const { instance, userId: staffId } = viewerOf(request);
      const userId = request.params.id;
      const roleId = parseRowId(formField(request.body, 'role'));
      const scope = formField(request.body, 'scope');
      if (roleId === null || !isScope(scope)) {
        if ((await heldRoles(db, instance.orgId, userId)) === null) return reply.sendError(apiError.notFound(NOT_FOUND));
        return renderUser(request, reply, userId, 'Choose a role and whether it counts for the current convention or every convention.', 400);
      }
      const change = { orgId: instance.orgId, userId, roleId, scope };
      const origin = staffOrigin(request, staffId);
      const result = kind === 'assign' ? await assignRole(db, change, origin, clock) : await removeRole(db, change, origin, clock);
      if (result.ok) return reply.redirect(`${prefixOf(request)}/housekeeping/users/${userId}?done=${kind === 'assign' ? 'assigned' : 'removed'}`, 303);
      if (result.reason === 'user-not-found') return reply.sendError(apiError.notFound(NOT_FOUND));
      const refusal = REFUSALS[result.reason];
      return renderUser(request, reply, userId, refusal.message, refusal.status);
    });
  }
}

function usersPage(context: PageContext, search: { q: string; page: number }, found: { rows: UserRow[]; more: boolean }): SafeHtml {
  const base = `${context.prefix}/housekeeping/users`;
  const pageLink = (page: number, label: string) => html`<a href="${base}?${new URLSearchParams({ q: search.q, page: String(page) }).toString()}">${label}</a>`;
  const rows = found.rows.map((u) => html`<tr><td><a href="${base}/${u.id}">${u.username}</a></td><td>${u.name}</td><td>${u.email}</td></tr>`);
  return html`<h1>Users and roles</h1>
<form method="get" action="${base}" role="search">
<label for="f-q">Name, username or email</label>
<input id="f-q" name="q" type="search" value="${search.q}" maxlength="100">
<button type="submit">Search</button>
</form>
${rows.length === 0
    ? html`<p class="muted">No user matches.</p>`
    : html`<div class="table-scroll"><table><thead><tr><th scope="col">User</th><th scope="col">Name</th><th scope="col">Email</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<nav aria-label="Pages" class="pager">${search.page > 1 ? pageLink(search.page - 1, 'Previous page') : ''}${found.more ? pageLink(search.page + 1, 'Next page') : ''}</nav>`;
}

function userPage(context: PageContext, user: UserRow, held: readonly HeldRole[], roles: readonly { id: number; name: string; description: string }[], message: string | undefined, notice: string | undefined): SafeHtml {
  const base = `${context.prefix}/housekeeping/users/${user.id}`;
  const heldRows = held.map(
    (r) => html`<tr><td>${r.name}</td><td>${SCOPE_LABELS[r.scope]}</td><td><form method="post" action="${base}/roles/remove" class="inline">${csrfField(context.csrfToken)}<input type="hidden" name="role" value="${String(r.roleId)}"><input type="hidden" name="scope" value="${r.scope}"><button type="submit" class="danger">Take away ${r.name}</button></form></td></tr>`,
  );
  return html`<h1>${user.username}</h1>
${successNotice(message)}
${errorNotice(notice)}
<p>${user.name === '' ? '' : html`${user.name} · `}${user.email}</p>
<h2>Roles held now</h2>
${heldRows.length === 0
    ? html`<p class="muted">No roles.</p>`
    : html`<div class="table-scroll"><table><thead><tr><th scope="col">Role</th><th scope="col">Scope</th><th scope="col">Change</th></tr></thead><tbody>${heldRows}</tbody></table></div>`}
<h2>Give a role</h2>
${roles.length === 0
    ? html`<p class="muted">${context.instanceName} has no roles.</p>`
    : html`<form method="post" action="${base}/roles/assign">
${csrfField(context.csrfToken)}
<label for="f-role">Role</label>
<select id="f-role" name="role">${roles.map((r) => html`<option value="${String(r.id)}">${r.name}${r.description === '' ? '' : ` (${r.description})`}</option>`)}</select>
<fieldset><legend>Scope</legend>
<label class="choice"><input type="radio" name="scope" value="convention" checked> <span>For the current convention</span></label>
<label class="choice"><input type="radio" name="scope" value="global"> <span>For every convention</span></label>
</fieldset>
<button type="submit">Give role</button>
</form>`}
<p><a href="${context.prefix}/housekeeping/users">Back to users</a></p>`;
}
