import type { PendingEmailChange } from '../../instance/user-email-change.js';
import type { UserProfile } from '../../instance/user-profile.js';
import { errorNotice, successNotice, time } from '../components.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import type { AccountContext } from './views.js';

export const PROFILE_PATH = '/account/profile';
export const EMAIL_CONFIRM_PATH = '/account/email/confirm';

/** The profile form's fields as typed (or as saved, on a fresh form), plus the version they were read at. */
export interface ProfileFormValues {
  version: string;
  firstName: string;
  lastName: string;
  preferredName: string;
  username: string;
  email: string;
  phone: string;
  addressLine1: string;
  addressLine2: string;
  city: string;
  state: string;
  zipcode: string;
  country: string;
  newsletter: boolean;
  profilePictureUrl: string;
}

export function profileFormValues(profile: UserProfile): ProfileFormValues {
  return {
    version: profile.updatedAt,
    firstName: profile.firstName,
    lastName: profile.lastName,
    preferredName: profile.preferredName ?? '',
    username: profile.username,
    email: profile.email,
    phone: profile.phone ?? '',
    addressLine1: profile.address.line1 ?? '',
    addressLine2: profile.address.line2 ?? '',
    city: profile.address.city ?? '',
    state: profile.address.state ?? '',
    zipcode: profile.address.zipcode ?? '',
    country: profile.address.country ?? '',
    newsletter: profile.newsletter,
    profilePictureUrl: profile.profilePictureUrl ?? '',
  };
}

export interface ProfilePageState {
  values: ProfileFormValues;
  errors: FieldErrors;
  pending: PendingEmailChange | undefined;
  done?: string;
  /** A problem with the form as a whole (e.g. saved elsewhere meanwhile). */
  problem?: string;
}

function pendingNotice(pending: PendingEmailChange | undefined): SafeHtml {
  if (pending === undefined) return html``;
  return html`<div class="notice" role="status">We sent a link to <strong>${pending.newEmail}</strong>. Your address changes when you open it while signed in (it works until ${time(pending.expiresAt)}).</div>`;
}

export function profilePage(context: AccountContext, state: ProfilePageState): SafeHtml {
  const { values, errors } = state;
  const text = (name: Exclude<keyof ProfileFormValues, 'newsletter' | 'version'>, label: string, options: { required?: boolean; type?: 'text' | 'email' | 'url' | 'tel'; autocomplete?: string; hint?: string; maxLength?: number } = {}) =>
    field({ name, label, value: values[name], errors, required: options.required, type: options.type, autocomplete: options.autocomplete, hint: options.hint, maxLength: options.maxLength });
  return html`<h1>Your profile</h1>
${successNotice(state.done)}
${errorNotice(state.problem)}
${errorSummary(errors)}
${pendingNotice(state.pending)}
<form method="post" action="${context.prefix}${PROFILE_PATH}" novalidate>
${csrfField(context.csrfToken)}
<input type="hidden" name="version" value="${values.version}">
<fieldset><legend>Names</legend>
${text('firstName', 'First name', { required: true, autocomplete: 'given-name', hint: 'Your legal name, as on your ID.', maxLength: 100 })}
${text('lastName', 'Last name', { required: true, autocomplete: 'family-name', maxLength: 100 })}
${text('preferredName', 'Preferred name', { autocomplete: 'nickname', hint: 'Shown instead of your first name where a name is shown.', maxLength: 100 })}
${text('username', 'Username', { required: true, autocomplete: 'username', hint: '3 to 32 letters, digits, dots, dashes or underscores. You can sign in with it.', maxLength: 32 })}
</fieldset>
<fieldset><legend>Contact</legend>
${text('email', 'Email address', { required: true, type: 'email', autocomplete: 'email', hint: 'A new address is used once you open the link we email to it.' })}
${text('phone', 'Phone', { type: 'tel', autocomplete: 'tel', hint: 'International format, e.g. +15555550123.' })}
<div class="field"><label class="choice"><input type="checkbox" name="newsletter" value="yes"${values.newsletter ? html` checked` : ''}> <span>Send me the newsletter</span></label></div>
</fieldset>
<fieldset><legend>Address</legend>
${text('addressLine1', 'Address line 1', { autocomplete: 'address-line1', maxLength: 200 })}
${text('addressLine2', 'Address line 2', { autocomplete: 'address-line2', maxLength: 200 })}
${text('city', 'City', { autocomplete: 'address-level2', maxLength: 200 })}
${text('state', 'State or region', { autocomplete: 'address-level1', maxLength: 200 })}
${text('zipcode', 'Postal code', { autocomplete: 'postal-code', maxLength: 20 })}
${text('country', 'Country', { autocomplete: 'country', hint: 'Two-letter ISO code, e.g. US, CA, GB, DE.', maxLength: 2 })}
</fieldset>
<fieldset><legend>Picture</legend>
${text('profilePictureUrl', 'Profile picture address', { type: 'url', autocomplete: 'photo', hint: 'An https:// address of an image.' })}
</fieldset>
<button type="submit">Save profile</button>
</form>`;
}

/** "Use this address?": the one button that confirms a pending change of address. */
export function confirmEmailPage(context: AccountContext, token: string, newEmail: string): SafeHtml {
  return html`<h1>Confirm your new email address</h1>
<p>Use <strong>${newEmail}</strong> as the email address of your ${context.instanceName} account? You will sign in and receive mail with it from now on.</p>
<form method="post" action="${context.prefix}${EMAIL_CONFIRM_PATH}" class="inline">${csrfField(context.csrfToken)}<input type="hidden" name="token" value="${token}"><button type="submit">Use this address</button></form>
<a href="${context.prefix}${PROFILE_PATH}">Cancel</a>`;
}

const LINK_PROBLEMS = {
  expired: { title: 'This link has expired', text: 'Links to confirm an email address work for 24 hours. Enter the new address on your profile again to get a new link.' },
  used: { title: 'This link has already been used', text: 'Each link works once. If your address did not change, enter it on your profile again to get a new link.' },
  unknown: { title: 'This link does not work', text: 'It may be mistyped, replaced by a newer link, or meant for another account: sign in with the account that asked for the change and open the newest link.' },
  'email-taken': { title: 'That address is taken', text: 'Another account here started using this address after you asked for the change. Choose another address on your profile.' },
} as const;

export type EmailLinkProblem = keyof typeof LINK_PROBLEMS;

export function emailLinkProblemPage(context: AccountContext, problem: EmailLinkProblem): { title: string; body: SafeHtml } {
  const { title, text } = LINK_PROBLEMS[problem];
  return { title, body: html`<h1>${title}</h1>
<p>${text}</p>
<p><a href="${context.prefix}${PROFILE_PATH}">Go to your profile</a></p>` };
}
