import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenFor } from '../../http/web/csrf.js';
import { formField } from '../../http/web/form-fields.js';
import { safeNextPath } from '../../http/web/page-area.js';
import { signIn, signOut } from '../../http/web/session-cookies.js';
import { recordDeveloperSignOut, signInDeveloper } from '../../platform/developer-accounts.js';
import { formatUtc } from '../../platform/program-mail.js';
import { successNotice } from '../components.js';
import { formPassword, queryParam } from '../../http/web/form-fields.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html } from '../html.js';
import { PORTAL_HOME, PORTAL_LOGIN, sendPortalPage, type PortalDependencies } from './views.js';

/** Where `next` may point after sign-in: a portal page, never elsewhere on the host. */
function portalNext(next: string): string {
  const path = safeNextPath(next, PORTAL_HOME);
  return path === PORTAL_HOME || path.startsWith(`${PORTAL_HOME}/`) || path.startsWith(`${PORTAL_HOME}?`) ? path : PORTAL_HOME;
}

interface LoginForm {
  email: string;
  next: string;
  errors: FieldErrors;
  notice?: string;
  status?: number;
}

function renderLogin(request: FastifyRequest, reply: FastifyReply, form: LoginForm): FastifyReply {
  const body = html`<h1>Developer portal</h1>
${successNotice(form.notice)}${errorSummary(form.errors)}
<p>Sign in with the email address you were invited with and the password you chose when you applied.</p>
<form method="post" action="${PORTAL_LOGIN}" novalidate>
${csrfField(csrfTokenFor(request, reply))}
<input type="hidden" name="next" value="${form.next}">
${field({ name: 'email', label: 'Email', type: 'email', value: form.email, required: true, autocomplete: 'username', errors: form.errors })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password', errors: form.errors })}
<button type="submit">Sign in</button>
</form>
<p class="muted">Joining is by invitation only. If you were invited, use the link in your invitation email to apply.</p>`;
  return sendPortalPage(request, reply, { title: 'Sign in', body, developer: null, status: form.status });
}

export function registerPortalLogin(app: FastifyInstance, deps: PortalDependencies): void {
  const { database, clock } = deps;

  app.get(PORTAL_LOGIN, { config: { anonymous: true } }, async (request, reply) => {
    const next = portalNext(queryParam(request.query, 'next'));
    if (request.webSession !== null) return reply.redirect(next, 303);
    const notice = queryParam(request.query, 'signed-out') === '1' ? 'You are signed out.' : undefined;
    return renderLogin(request, reply, { email: '', next, errors: {}, notice });
  });

  app.post(PORTAL_LOGIN, { config: { anonymous: true } }, async (request, reply) => {
    const email = formField(request.body, 'email');
    const password = formPassword(request.body, 'password');
    const next = portalNext(formField(request.body, 'next'));
    const errors: FieldErrors = {};
    if (email === '') errors.email = 'Enter your email address';
    if (password === '') errors.password = 'Enter your password';
    if (Object.keys(errors).length > 0) return renderLogin(request, reply, { email, next, errors, status: 400 });

    const result = await signInDeveloper(database.db, { email, password, ip: request.ip }, clock);
    if (result.ok) {
      await signIn(request, reply, 'developer', result.developerId, database, clock);
      return reply.redirect(next, 303);
    }
    if (result.reason === 'locked') {
      const seconds = Math.max(1, Math.ceil((result.until.getTime() - clock.now().getTime()) / 1000));
      void reply.header('retry-after', String(seconds));
      const message = `Too many failed sign-ins. Try again after ${formatUtc(result.until.toISOString())}.`;
      return renderLogin(request, reply, { email, next, errors: { '': message }, status: 429 });
    }
    return renderLogin(request, reply, { email, next, errors: { '': 'The email or password is not right.' }, status: 401 });
  });

  app.post('/portal/logout', async (request, reply) => {
    const session = request.webSession;
    if (session !== null) await recordDeveloperSignOut(database.db, session.subjectId, request.ip, clock);
    await signOut(request, reply, 'developer', database);
    return reply.redirect(`${PORTAL_LOGIN}?signed-out=1`, 303);
  });
}
