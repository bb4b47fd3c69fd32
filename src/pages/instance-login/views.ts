import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';

export const SIGN_UP_PATH = '/signup';

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
</form>
<p>New here? <a href="${view.prefix}${SIGN_UP_PATH}${view.next === '/' ? '' : `?next=${encodeURIComponent(view.next)}`}">Create an account</a></p>`;
}

export interface SignUpFormView {
  prefix: string;
  instanceName: string;
  csrfToken: string;
  values: { username: string; email: string; firstName: string; lastName: string };
  next: string;
  errors: FieldErrors;
}

/** The instance's sign-up form: the account belongs to this instance only. */
export function signUpForm(view: SignUpFormView): SafeHtml {
  return html`<h1>Create your account at ${view.instanceName}</h1>
<p>This account is for ${view.instanceName} only.</p>
${errorSummary(view.errors)}
<form method="post" action="${view.prefix}${SIGN_UP_PATH}" novalidate>
${csrfField(view.csrfToken)}
<input type="hidden" name="next" value="${view.next}">
${field({ name: 'firstName', label: 'First name (as on your ID)', value: view.values.firstName, required: true, autocomplete: 'given-name', errors: view.errors, maxLength: 100 })}
${field({ name: 'lastName', label: 'Last name (as on your ID)', value: view.values.lastName, required: true, autocomplete: 'family-name', errors: view.errors, maxLength: 100 })}
${field({ name: 'username', label: 'Username', value: view.values.username, required: true, autocomplete: 'username', errors: view.errors, maxLength: 32, hint: '3 to 32 letters, digits, dots, dashes or underscores.' })}
${field({ name: 'email', label: 'Email', type: 'email', value: view.values.email, required: true, autocomplete: 'email', errors: view.errors, maxLength: 254 })}
${field({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', errors: view.errors, hint: 'At least 12 characters.' })}
<button type="submit">Create account</button>
</form>
<p>Have an account? <a href="${view.prefix}/login${view.next === '/' ? '' : `?next=${encodeURIComponent(view.next)}`}">Sign in</a></p>`;
}

/** The sign-out button: a form, because signing out changes state and must carry the CSRF token. */
export function signOutForm(prefix: string, csrfToken: string): SafeHtml {
  return html`<form method="post" action="${prefix}/logout">${csrfField(csrfToken)}<button type="submit">Sign out</button></form>`;
}
