/**
 * RP-initiated logout (`{instance}/oauth/logout`, OpenID Connect RP-Initiated Logout 1.0) for
 * one instance. Who is signed in is decided by the instance's own session (the `{instance}/login`
 * cookie), so signing out ends that session, and the question is asked only of someone who is
 * signed in:
 *
 * - signed in: a confirmation page in our layout, always, with or without `id_token_hint` (a hint
 *   can be replayed by anyone who saw it, and signing out is the user's decision). Its form is the
 *   provider's own, carrying the provider's xsrf token bound to its session cookie, so a form
 *   posted from another site is refused. "Sign out" ends the instance session and the provider's;
 *   "Stay signed in" ends neither.
 * - not signed in: nothing to ask; straight back to the app's `post_logout_redirect_uri` (which
 *   the provider has checked against the app's registered URIs) or to our "signed out" page.
 *
 * The app's tokens are not revoked by signing out (they do not expire with the session); the user
 * withdraws an app's access on the Connected apps page.
 */
import type { Kysely } from 'kysely';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { userSessionCookieName } from '../http/web/session-cookies.js';
import { html, SafeHtml } from '../pages/html.js';
import { layout } from '../pages/layout.js';
import { endSession, resumeSession } from '../security/web-sessions.js';

export interface InstanceLogoutDeps {
  db: Kysely<Schema>;
  orgId: number;
  clock: Clock;
}

export interface InstanceLogout {
  /** `features.rpInitiatedLogout.logoutSource`: the confirmation page. */
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => Promise<void>;
  /** `features.rpInitiatedLogout.postLogoutSuccessSource`: where the browser lands without a post_logout_redirect_uri. */
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => Promise<void>;
  /** Provider middleware (`provider.use`): decides who is signed in and ends the instance session on "Sign out". */
  middleware: (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => Promise<void>;
}

interface SignedIn {
  username: string;
}

/** The instance's path prefix ('' on its own host), from the issuer: links and the cookie path start with it. */
function prefixOf(ctx: KoaContextWithOIDC): string {
  return new URL(ctx.oidc.issuer).pathname.replace(/\/$/, '');
}

/** A string kept in the provider's session state by its logout endpoint, if any. */
function stateValue(ctx: KoaContextWithOIDC, name: 'secret' | 'postLogoutRedirectUri' | 'state'): string | undefined {
  const value: unknown = ctx.oidc.session?.state?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Chrome applies `form-action` to where a form submission is redirected, too: the confirmation
 * form ends at the app's post_logout_redirect_uri, so its origin joins 'self' on this page.
 */
function allowFormTarget(ctx: KoaContextWithOIDC, target: string | undefined): void {
  if (target === undefined || !URL.canParse(target)) return;
  const { origin, protocol } = new URL(target);
  if (protocol !== 'https:' && protocol !== 'http:') return;
  const policy = ctx.response.get('content-security-policy');
  if (policy === '') return;
  ctx.set('content-security-policy', policy.replace(/form-action\s+([^;]*)/, (_directive, sources: string) => `form-action ${sources.trim()} ${origin}`));
}

export function instanceLogout(deps: InstanceLogoutDeps): InstanceLogout {
  const cookieName = userSessionCookieName(deps.orgId);

  async function instanceName(): Promise<string> {
    const row = await deps.db.selectFrom('orgs').select('name').where('id', '=', deps.orgId).executeTakeFirst();
    return row?.name ?? '';
  }

  /** Looked up once per request (logoutSource and the middleware both ask). */
  const lookups = new WeakMap<KoaContextWithOIDC, Promise<SignedIn | null>>();

  /** Who is signed in to the instance in this browser (its live session), or null. */
  function signedIn(ctx: KoaContextWithOIDC): Promise<SignedIn | null> {
    let found = lookups.get(ctx);
    if (found === undefined) {
      found = lookUpSignedIn(ctx);
      lookups.set(ctx, found);
    }
    return found;
  }

  async function lookUpSignedIn(ctx: KoaContextWithOIDC): Promise<SignedIn | null> {
    const token = ctx.cookies.get(cookieName, { signed: false });
    if (token === undefined || token.length > 200) return null;
    const session = await resumeSession(deps.db, token, 'user', deps.orgId, deps.clock);
    if (session === null) return null;
    const user = await deps.db.selectFrom('users').select('username').where('org_id', '=', deps.orgId).where('id', '=', session.subjectId).executeTakeFirst();
    return user === undefined ? null : { username: user.username };
  }

  function render(ctx: KoaContextWithOIDC, instance: string, body: SafeHtml): void {
    ctx.type = 'html';
    ctx.body = layout({ title: `Sign out · ${instance}`, body, assetBase: prefixOf(ctx), heading: instance });
  }

  async function confirmationPage(ctx: KoaContextWithOIDC, form: SafeHtml, user: SignedIn | null): Promise<void> {
    const name = await instanceName();
    const app = ctx.oidc.client?.clientName ?? null;
    ctx.status = 200;
    render(
      ctx,
      name,
      html`<h1>Sign out of ${name}?</h1>
${app === null ? '' : html`<p><strong>${app}</strong> asks to sign you out.</p>`}
${user === null ? '' : html`<p>You are signed in as <strong>${user.username}</strong>.</p>`}
<p>Signing out ends your session here for every app. Apps you have connected keep the access you gave them; you can withdraw it under <a href="${prefixOf(ctx)}/account/apps">Connected apps</a>.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
    );
  }

  /** The provider's form (as it hands it to logoutSource), for when it chose not to ask. */
  function providerForm(ctx: KoaContextWithOIDC): SafeHtml {
    return html`<form id="op.logoutForm" method="post" action="${ctx.oidc.urlFor('end_session_confirm')}"><input type="hidden" name="xsrf" value="${stateValue(ctx, 'secret') ?? ''}"></form>`;
  }

  /** Nobody to sign out: back to the app (its registered URI, with its state), else to our page. */
  function leaveWithoutAsking(ctx: KoaContextWithOIDC): void {
    const back = stateValue(ctx, 'postLogoutRedirectUri');
    let target = ctx.oidc.urlFor('end_session_success');
    if (back !== undefined && URL.canParse(back)) {
      const url = new URL(back);
      const state = stateValue(ctx, 'state');
      if (state !== undefined) url.searchParams.set('state', state);
      target = url.href;
    }
    ctx.body = null;
    ctx.status = 303;
    ctx.redirect(target);
  }

  async function endInstanceSession(ctx: KoaContextWithOIDC): Promise<void> {
    const token = ctx.cookies.get(cookieName, { signed: false });
    if (token === undefined) return;
    await endSession(deps.db, token);
    const prefix = prefixOf(ctx);
    ctx.cookies.set(cookieName, null, { path: prefix === '' ? '/' : prefix, secure: true, httpOnly: true, sameSite: 'lax', signed: false, overwrite: true });
  }

  return {
    async logoutSource(ctx, form) {
      // The provider's own markup (its action URL and xsrf token, escaped by it): trusted as HTML.
      await confirmationPage(ctx, new SafeHtml(form), await signedIn(ctx));
    },

    async postLogoutSuccessSource(ctx) {
      const name = await instanceName();
      const user = await signedIn(ctx);
      const prefix = prefixOf(ctx);
      const body =
        user === null
          ? html`<h1>You have signed out</h1><p>You are no longer signed in to ${name}.</p><p><a href="${prefix}/login">Sign in again</a></p>`
          : html`<h1>You are still signed in</h1><p>You are signed in to ${name} as <strong>${user.username}</strong>.</p><p><a href="${prefix}/">Continue to ${name}</a></p>`;
      render(ctx, name, body);
    },

    async middleware(ctx, next) {
      await next();
      if (!('oidc' in ctx)) return;
      const route = ctx.oidc.route;
      if (route === 'end_session' && ctx.status === 200) {
        const user = await signedIn(ctx);
        if (user === null) {
          leaveWithoutAsking(ctx);
          return;
        }
        // The provider asks only when its own session names someone; the instance session decides.
        if (ctx.oidc.session?.accountId === undefined) await confirmationPage(ctx, providerForm(ctx), user);
        allowFormTarget(ctx, stateValue(ctx, 'postLogoutRedirectUri'));
      } else if (route === 'end_session_confirm' && ctx.status === 303 && hasValue(ctx.oidc.params?.logout)) {
        await endInstanceSession(ctx);
      }
    },
  };
}

function hasValue(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}
