import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { csrfTokenFor } from '../../http/web/csrf.js';
import { formField, formPassword } from '../../http/web/form-fields.js';
import { pageArea, prefixOf, safeNextPath, sendPage } from '../../http/web/page-area.js';
import { signIn, signOut } from '../../http/web/session-cookies.js';
import { attemptSignIn, MAX_LOGIN_LENGTH } from '../../instance/user-accounts.js';
import type { FieldErrors } from '../forms.js';
import { signUpUser } from '../../instance/user-signup.js';
import { loginForm, SIGN_UP_PATH, signUpForm, type SignUpFormView } from './views.js';

export const INSTANCE_LOGIN_PATH = '/login';

interface Deps {
  database: Database;
  clock: Clock;
}

/** Where to go after signing in: a path of this instance from `next`, else its front page. */
function destination(next: string): string {
  return safeNextPath(next, '/');
}

function instanceName(request: FastifyRequest): string {
  return request.tenant.kind === 'instance' ? request.tenant.instance.name : '';
}

function renderLogin(request: FastifyRequest, reply: FastifyReply, values: { login: string; next: string }, errors: FieldErrors, status = 200): FastifyReply {
  const body = loginForm({ prefix: prefixOf(request), instanceName: instanceName(request), csrfToken: csrfTokenFor(request, reply), login: values.login, next: values.next, errors });
  return sendPage(request, reply, { title: `Sign in · ${instanceName(request)}`, body, status });
}

function renderSignUp(request: FastifyRequest, reply: FastifyReply, values: SignUpFormView['values'], next: string, errors: FieldErrors, status = 200): FastifyReply {
  const body = signUpForm({ prefix: prefixOf(request), instanceName: instanceName(request), csrfToken: csrfTokenFor(request, reply), values, next, errors });
  return sendPage(request, reply, { title: `Create an account · ${instanceName(request)}`, body, status });
}

function minutesUntil(until: Date, clock: Clock): number {
  return Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 60_000));
}

/**
 * Sign-in and sign-out for the users of one instance (`/login`, `/logout` under its base URL).
 * The session cookie is the instance's own, so signing in here means nothing anywhere else.
 */
export function instanceLoginPages(deps: Deps): FastifyPluginAsync {
  return pageArea({ session: 'user', loginPath: INSTANCE_LOGIN_PATH, database: deps.database, clock: deps.clock }, (app) => {
    app.get(INSTANCE_LOGIN_PATH, {
      config: { anonymous: true },
      schema: { querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 2000 } } } },
    }, (request, reply) => {
      const next = destination(formField(request.query, 'next'));
      if (request.webSession !== null) return reply.redirect(`${prefixOf(request)}${next}`, 303);
      return renderLogin(request, reply, { login: '', next }, {});
    });

    app.post(INSTANCE_LOGIN_PATH, { config: { anonymous: true } }, async (request, reply) => {
      if (request.tenant.kind !== 'instance') return reply.callNotFound();
      const login = formField(request.body, 'login').slice(0, MAX_LOGIN_LENGTH);
      const password = formPassword(request.body, 'password');
      const next = destination(formField(request.body, 'next'));
      const errors: FieldErrors = {};
      if (login === '') errors.login = 'Enter your username or email address.';
      if (password === '') errors.password = 'Enter your password.';
      if (Object.keys(errors).length > 0) return renderLogin(request, reply, { login, next }, errors, 400);

      const result = await attemptSignIn(deps.database.db, { orgId: request.tenant.instance.orgId, login, password, ip: request.ip }, deps.clock);
      if (result.outcome === 'locked') {
        const minutes = minutesUntil(result.until, deps.clock);
        void reply.header('retry-after', String(minutes * 60));
        return renderLogin(request, reply, { login, next }, { '': `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }, 429);
      }
      if (result.outcome === 'refused') {
        return renderLogin(request, reply, { login, next }, { '': 'The username, email or password is not correct.' }, 401);
      }
      await signIn(request, reply, 'user', result.user.id, deps.database, deps.clock);
      return reply.redirect(`${prefixOf(request)}${next}`, 303);
    });

    app.get(SIGN_UP_PATH, {
      config: { anonymous: true },
      schema: { querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 2000 } } } },
    }, (request, reply) => {
      const next = destination(formField(request.query, 'next'));
      if (request.webSession !== null) return reply.redirect(`${prefixOf(request)}${next}`, 303);
      return renderSignUp(request, reply, { username: '', email: '', firstName: '', lastName: '' }, next, {});
    });

    app.post(SIGN_UP_PATH, { config: { anonymous: true } }, async (request, reply) => {
      if (request.tenant.kind !== 'instance') return reply.callNotFound();
      const values = {
        username: formField(request.body, 'username').slice(0, 100),
        email: formField(request.body, 'email').slice(0, 300),
        firstName: formField(request.body, 'firstName').slice(0, 200),
        lastName: formField(request.body, 'lastName').slice(0, 200),
      };
      const next = destination(formField(request.body, 'next'));
      const result = await signUpUser(deps.database.db, { orgId: request.tenant.instance.orgId, ...values, password: formPassword(request.body, 'password'), ip: request.ip }, deps.clock);
      if (!result.ok && result.reason === 'throttled') {
        const minutes = minutesUntil(result.until, deps.clock);
        void reply.header('retry-after', String(minutes * 60));
        return renderSignUp(request, reply, values, next, { '': `Too many accounts were created from your address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }, 429);
      }
      if (!result.ok) return renderSignUp(request, reply, values, next, result.errors, 400);
      await signIn(request, reply, 'user', result.userId, deps.database, deps.clock);
      return reply.redirect(`${prefixOf(request)}${next}`, 303);
    });

    app.post('/logout', { config: { anonymous: true } }, async (request, reply) => {
      await signOut(request, reply, 'user', deps.database);
      return reply.redirect(`${prefixOf(request)}${INSTANCE_LOGIN_PATH}`, 303);
    });
  });
}
