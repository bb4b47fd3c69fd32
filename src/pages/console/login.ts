import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerDependencies } from '../../http/server.js';
import { csrfTokenFor } from '../../http/web/csrf.js';
import { formField } from '../../http/web/form-fields.js';
import { safeNextPath } from '../../http/web/page-area.js';
import { signIn, signOut } from '../../http/web/session-cookies.js';
import { authenticateOperator, recordOperatorSignOut } from '../../platform/operator-accounts.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html } from '../html.js';
import { sendConsolePage } from './views.js';
import { successNotice } from '../components.js';
import { formPassword, queryParam } from '../../http/web/form-fields.js';

/** Where a signed-in operator lands, and the only place `next` may point into. */
const CONSOLE_HOME = '/console';

function consoleNext(next: string): string {
  const path = safeNextPath(next, CONSOLE_HOME);
  return path === CONSOLE_HOME || path.startsWith(`${CONSOLE_HOME}/`) || path.startsWith(`${CONSOLE_HOME}?`) ? path : CONSOLE_HOME;
}

function renderLogin(request: FastifyRequest, reply: FastifyReply, form: { email: string; next: string; errors: FieldErrors; notice?: string; status?: number }): FastifyReply {
  const body = html`<h1>Operator console</h1>
${successNotice(form.notice)}${errorSummary(form.errors)}
<form method="post" action="/console/login" novalidate>
${csrfField(csrfTokenFor(request, reply))}
<input type="hidden" name="next" value="${form.next}">
${field({ name: 'email', label: 'Email', type: 'email', value: form.email, required: true, autocomplete: 'username', errors: form.errors })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password', errors: form.errors })}
<button type="submit">Sign in</button>
</form>`;
  return sendConsolePage(request, reply, { title: 'Sign in', body, section: null, status: form.status });
}

/** Hours and minutes in UTC, for "try again at 14:05 UTC". */
function clockTime(date: Date): string {
  return date.toISOString().slice(11, 16);
}

export function registerLoginRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  const { database, clock } = deps;

  app.get('/console/login', { config: { anonymous: true } }, async (request, reply) => {
    const next = consoleNext(queryParam(request.query, 'next'));
    if (request.webSession !== null) return reply.redirect(next, 303);
    const notice = queryParam(request.query, 'signed-out') === '1' ? 'You are signed out.' : undefined;
    return renderLogin(request, reply, { email: '', next, errors: {}, notice });
  });

  app.post('/console/login', { config: { anonymous: true } }, async (request, reply) => {
    const email = formField(request.body, 'email');
    const password = formPassword(request.body, 'password');
    const next = consoleNext(formField(request.body, 'next'));
    const errors: FieldErrors = {};
    if (email === '') errors.email = 'Enter your email address';
    if (password === '') errors.password = 'Enter your password';
    else if (password.length > 1000) errors.password = 'The email or password is not right';
    if (Object.keys(errors).length > 0) return renderLogin(request, reply, { email, next, errors, status: 400 });

    const result = await authenticateOperator(database.db, { email, password, ip: request.ip }, clock);
    switch (result.outcome) {
      case 'locked':
        return renderLogin(request, reply, { email, next, errors: { '': `Too many failed sign-ins. Try again at ${clockTime(result.until)} UTC.` }, status: 429 });
      case 'invalid':
        return renderLogin(request, reply, { email, next, errors: { '': 'The email or password is not right.' }, status: 401 });
      case 'disabled':
        return renderLogin(request, reply, { email, next, errors: { '': 'This operator account is disabled.' }, status: 403 });
      case 'signed-in':
        await signIn(request, reply, 'operator', result.operator.id, database, clock);
        return reply.redirect(next, 303);
    }
  });

  app.post('/console/logout', async (request, reply) => {
    const session = request.webSession;
    if (session !== null) await recordOperatorSignOut(database.db, session.subjectId, request.ip, clock);
    await signOut(request, reply, 'operator', database);
    return reply.redirect('/console/login?signed-out=1', 303);
  });
}
