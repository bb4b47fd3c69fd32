/**
 * The provider's interactions: sign-in and consent, at `{instance}/oauth/interaction/:uid`.
 *
 * Sign-in reuses the instance's own user session (`{instance}/login`): a visitor without one is
 * sent there and comes back. Consent is all or nothing: Authorize creates (or widens) the grant,
 * Deny answers `access_denied` to the app. A scope the user could not use themselves (admin:* without
 * the permission) answers `invalid_request`. The provider skips this page when an existing grant
 * already covers the request.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { csrfTokenFor } from '../http/web/csrf.js';
import { pageArea, prefixOf, sendPage } from '../http/web/page-area.js';
import { signOut } from '../http/web/session-cookies.js';
import { INSTANCE_LOGIN_PATH } from '../pages/instance-login/routes.js';
import { consentPage, interactionErrorPage, type ConsentView } from '../pages/consent/views.js';
import { parseClientId } from './clients.js';
import { INTERACTION_PATH } from './provider-config.js';
import { mustReauthenticate } from './reauthentication.js';
import type { InstanceProvider, InstanceProviders } from './providers.js';
import { pinToIssuer } from './routes.js';
import { findScope, isServiceScope } from './scopes.js';
import { scopesUserLacks } from './user-scope-permissions.js';

interface Deps {
  database: Database;
  clock: Clock;
}

/**
 * The consent form posts to us and we answer with a redirect to the app's redirect_uri: Chrome
 * applies `form-action` to the redirect target too, so the consent page also allows the origin of
 * that (registered, provider-checked) redirect_uri. Everything else is the site-wide policy; the
 * pages still cannot be framed.
 */
function interactionCsp(formTarget: string | undefined): string {
  const formAction = formTarget === undefined ? "'self'" : `'self' ${formTarget}`;
  return `default-src 'self'; base-uri 'self'; font-src 'self' https: data:; form-action ${formAction}; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' https: 'unsafe-inline'`;
}

/** The redirect origin a consent page's forms may end up at, per request. */
const formTargets = new WeakMap<FastifyRequest, string>();

interface Details {
  uid: string;
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  grantId?: string | undefined;
  session?: { uid: string; accountId?: string | undefined } | undefined;
  iat: number;
  exp: number;
  save: (ttl: number) => Promise<string>;
}

/**
 * When the provider's session still names another user (who signed out of the instance since),
 * it is ended here, so the provider starts a fresh one for the signed-in user. Left alone, the
 * provider would answer with its end-session form (a page with an inline script, not served here).
 */
async function forgetOtherAccount(entry: InstanceProvider, details: Details, accountId: string): Promise<void> {
  const previous = details.session;
  if (previous?.accountId === undefined || previous.accountId === accountId) return;
  const session = await entry.provider.Session.findByUid(previous.uid);
  await session?.destroy();
  details.session = undefined;
  await details.save(Math.max(1, details.exp - Math.floor(Date.now() / 1000)));
}

export function interactionPages(deps: Deps, providers: InstanceProviders): FastifyPluginAsync {
  return pageArea({ session: 'user', loginPath: INSTANCE_LOGIN_PATH, database: deps.database, clock: deps.clock }, (app) => {
    app.addHook('onSend', async (request, reply) => {
      void reply.header('content-security-policy', interactionCsp(formTargets.get(request)));
    });

    app.get(`${INTERACTION_PATH}/:uid`, async (request, reply) => {
      const found = await load(request, reply);
      if (found === undefined) return reply;
      const { entry, details } = found;
      const userId = request.webSession?.subjectId ?? 0;
      if (details.prompt.name === 'login') {
        const signedInAt = request.webSession?.signedInAt ?? new Date(0);
        if (mustReauthenticate({ signedInAt, now: deps.clock.now(), maxAge: details.params.max_age, promptLogin: promptsLogin(details), requestedAt: new Date(details.iat * 1000) })) {
          // prompt=login or max_age: the password is asked again, on the instance's login page.
          await signOut(request, reply, 'user', deps.database);
          return reply.redirect(`${prefixOf(request)}${INSTANCE_LOGIN_PATH}?next=${encodeURIComponent(request.url)}`, 303);
        }
        await forgetOtherAccount(entry, details, String(userId));
        return finish(request, reply, entry, { login: { accountId: String(userId), ts: Math.floor(signedInAt.getTime() / 1000) } }, false);
      }
      if (details.prompt.name !== 'consent') {
        return interactionErrorPage(request, reply, 'This sign-in request cannot continue. Go back to the app and try again.');
      }
      const refusal = await scopeRefusal(entry.orgId, userId, requestedScopes(details));
      if (refusal !== undefined) return finish(request, reply, entry, refusal, false);
      const view = await consentView(request, reply, entry, details);
      if (view === undefined) return interactionErrorPage(request, reply, 'This app cannot sign you in here any more.');
      const redirectUri = String(details.params.redirect_uri);
      if (URL.canParse(redirectUri)) {
        const target = new URL(redirectUri);
        if (target.protocol === 'https:' || target.protocol === 'http:') formTargets.set(request, target.origin);
      }
      return sendPage(request, reply, { title: `Authorize ${view.appName}`, body: consentPage(view) });
    });

    app.post(`${INTERACTION_PATH}/:uid/confirm`, async (request, reply) => {
      const found = await load(request, reply);
      if (found === undefined) return reply;
      const { entry, details } = found;
      if (details.prompt.name !== 'consent') return interactionErrorPage(request, reply, 'This sign-in request cannot continue. Go back to the app and try again.');
      const userId = request.webSession?.subjectId ?? 0;
      const clientId = String(details.params.client_id);
      const requested = requestedScopes(details);
      const refusal = await scopeRefusal(entry.orgId, userId, requested);
      if (refusal !== undefined) return finish(request, reply, entry, refusal, false);
      const grant = details.grantId === undefined ? new entry.provider.Grant({ accountId: String(userId), clientId }) : await entry.provider.Grant.find(details.grantId);
      if (grant === undefined) return interactionErrorPage(request, reply, 'This sign-in request has expired. Go back to the app and try again.');
      if (requested.length > 0) grant.addOIDCScope(requested.join(' '));
      const claims = details.prompt.details.missingOIDCClaims;
      if (Array.isArray(claims) && claims.length > 0) grant.addOIDCClaims(claims.map(String));
      const grantId = await grant.save();
      await audit(request, entry, 'oauth.consent-given', clientId, { scopes: requested });
      return finish(request, reply, entry, { consent: { grantId } }, true);
    });

    app.post(`${INTERACTION_PATH}/:uid/deny`, async (request, reply) => {
      const found = await load(request, reply);
      if (found === undefined) return reply;
      const { entry, details } = found;
      await audit(request, entry, 'oauth.consent-denied', String(details.params.client_id), { scopes: requestedScopes(details) });
      return finish(request, reply, entry, { error: 'access_denied', error_description: 'the user denied the request' }, false);
    });
  });

  async function load(request: FastifyRequest, reply: FastifyReply): Promise<{ entry: InstanceProvider; details: Details } | undefined> {
    const tenant = request.tenant;
    const entry = tenant.kind === 'instance' ? await providers.get(tenant.instance.orgId) : undefined;
    if (entry === undefined) {
      reply.callNotFound();
      return undefined;
    }
    const { uid } = request.params as { uid: string };
    pinToIssuer(request, entry);
    try {
      const details = (await entry.provider.interactionDetails(request.raw, reply.raw)) as unknown as Details;
      if (details.uid !== uid) throw new Error('interaction mismatch');
      return { entry, details };
    } catch {
      await interactionErrorPage(request, reply, 'This sign-in request has expired or was already used. Go back to the app and try again.');
      return undefined;
    }
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, entry: InstanceProvider, result: InteractionResults, merge: boolean): Promise<FastifyReply> {
    const returnTo = await entry.provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: merge });
    return reply.redirect(returnTo, 303);
  }

  async function consentView(request: FastifyRequest, reply: FastifyReply, entry: InstanceProvider, details: Details): Promise<ConsentView | undefined> {
    const clientId = parseClientId(String(details.params.client_id));
    if (clientId === null) return undefined;
    const app = await deps.database.db
      .selectFrom('apps')
      .leftJoin('developers', 'developers.id', 'apps.developer_id')
      .select(['apps.display_name', 'apps.description', 'apps.homepage_url', 'apps.privacy_url', 'developers.name as developer', 'developers.company_name as company'])
      .where('apps.client_id', '=', clientId)
      .executeTakeFirst();
    if (app === undefined) return undefined;
    const redirectUri = String(details.params.redirect_uri);
    const tenant = request.tenant;
    const { uid } = details;
    const prefix = tenant.kind === 'instance' ? tenant.pathPrefix : '';
    const scopes = requestedScopes(details).map((name) => findScope(name) ?? { name, description: name, administrative: false, requiredPermission: null });
    return {
      appName: app.display_name,
      description: app.description,
      developer: app.developer,
      company: app.company,
      homepageUrl: app.homepage_url,
      privacyUrl: app.privacy_url,
      redirectHost: URL.canParse(redirectUri) ? new URL(redirectUri).host : redirectUri,
      instanceName: tenant.kind === 'instance' ? tenant.instance.name : '',
      scopes,
      csrfToken: csrfTokenFor(request, reply),
      confirmAction: `${prefix}${INTERACTION_PATH}/${uid}/confirm`,
      denyAction: `${prefix}${INTERACTION_PATH}/${uid}/deny`,
      issuer: entry.issuer,
    };
  }

  /**
   * Why the requested scopes cannot be granted, as the error for the app, or undefined: a service
   * permission is never granted on behalf of a user (`invalid_scope`); an administrative scope the
   * user does not hold is `invalid_request` (ConCat).
   */
  async function scopeRefusal(orgId: number, userId: number, names: readonly string[]): Promise<InteractionResults | undefined> {
    const service = names.filter(isServiceScope);
    if (service.length > 0) return { error: 'invalid_scope', error_description: `${service.join(' ')} cannot be granted on behalf of a user` };
    const lacking = await scopesUserLacks(deps.database.db, orgId, userId, names);
    return lacking.length > 0 ? { error: 'invalid_request', error_description: `the user cannot grant ${lacking.join(' ')}` } : undefined;
  }

  async function audit(request: FastifyRequest, entry: InstanceProvider, action: string, clientId: string, details: Record<string, unknown>): Promise<void> {
    await recordAudit(
      deps.database.db,
      { orgId: entry.orgId, actor: { type: 'user', id: String(request.webSession?.subjectId ?? '') }, action, target: { type: 'app', id: clientId }, details, ip: request.ip },
      deps.clock,
    );
  }
}

/** Whether the request asked for `prompt=login` (a space-separated list). */
function promptsLogin(details: Details): boolean {
  const prompt = details.params.prompt;
  return typeof prompt === 'string' && prompt.split(' ').includes('login');
}

/** The scopes of the request still to be granted (the provider lists those already granted apart). */
function requestedScopes(details: Details): string[] {
  const missing = details.prompt.details.missingOIDCScope;
  if (Array.isArray(missing)) return missing.map(String);
  const scope = details.params.scope;
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
}
