import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';

export interface LoginFormView {
  /** The instance path prefix ('' on a dedicated host): the form posts under it. */
  prefix: string;
  instanceName: string;
  csrfToken: string;
  login: string;
  next: string;
  errors: FieldErrors;
}

/** The instance's sign-in form: username or email and password, nothing else. */
export function loginForm(view: LoginFormView): SafeHtml {
  return html`<h1>Sign in to ${view.instanceName}</h1>
${errorSummary(view.errors)}
<form method="post" action="${view.prefix}/login" novalidate>
${csrfField(view.csrfToken)}
<input type="hidden" name="next" value="${view.next}">
${field({ name: 'login', label: 'Username or email', value: view.login, required: true, autocomplete: 'username', errors: view.errors, maxLength: 254 })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password', errors: view.errors })}
<button type="submit">Sign in</button>
</form>`;
}

/** The sign-out button: a form, because signing out changes state and must carry the CSRF token. */
export function signOutForm(prefix: string, csrfToken: string): SafeHtml {
  return html`<form method="post" action="${prefix}/logout">${csrfField(csrfToken)}<button type="submit">Sign out</button></form>`;
}
