import type { OptionQuestion, StoredAnswer } from '../../instance/option-answers.js';
import { optionField, type BadgeLevel, type OwnRegistration, type RegistrationForm } from '../../instance/registration-self-service.js';
import { BADGE_NAME_MAX_LENGTH } from '../../instance/registration-changes.js';
import { errorNotice, statusBadge, successNotice } from '../components.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import type { AccountContext } from './views.js';

export const REGISTRATION_PATH = '/account/registration';

/** The form's fields as typed (or as saved): answers keyed by option id as text. */
export interface RegistrationFormValues {
  /** The version the form was read at; '' for a new registration. */
  version: string;
  productId: string;
  badgeName: string;
  answers: Record<string, string | string[]>;
}

export interface RegistrationPageState {
  form: RegistrationForm;
  values: RegistrationFormValues;
  errors: FieldErrors;
  done?: string;
  /** A problem with the form as a whole (e.g. saved elsewhere meanwhile). */
  problem?: string;
}

function answerText(value: StoredAnswer | undefined): string | string[] {
  if (value === undefined) return '';
  return typeof value === 'number' ? String(value) : value;
}

/** A fresh form: the saved registration, or an empty one to register with. */
export function registrationFormValues(form: RegistrationForm): RegistrationFormValues {
  const saved = form.registration;
  const answers: Record<string, string | string[]> = {};
  for (const option of form.options) answers[String(option.id)] = answerText(saved?.options[String(option.id)]);
  if (saved === undefined) return { version: '', productId: form.badgeLevels.length === 1 ? String(form.badgeLevels[0]?.id) : '', badgeName: '', answers };
  return { version: String(saved.version), productId: String(saved.productId), badgeName: saved.badgeName, answers };
}

function price(cents: number): string {
  return (cents / 100).toFixed(2);
}

const STATUS_TEXT: Readonly<Record<OwnRegistration['status'], string>> = {
  unpaid: 'Registered, not paid yet',
  paid: 'Registered and paid',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
};

function levelChoice(level: BadgeLevel, values: RegistrationFormValues, locked: boolean): SafeHtml {
  const chosen = values.productId === String(level.id);
  if (locked && !chosen) return html``;
  return html`<label class="choice"><input type="radio" name="productId" value="${level.id}"${chosen ? html` checked` : ''}> <span>${level.name} <span class="hint">${price(level.priceCents)}</span></span></label>`;
}

function errorLine(name: string, errors: FieldErrors): SafeHtml {
  const error = errors[name];
  return error === undefined ? html`` : html`<div class="field-error" id="f-${name}-error">${error}</div>`;
}

function optionInput(option: OptionQuestion, values: RegistrationFormValues, errors: FieldErrors): SafeHtml {
  const name = optionField(option.id);
  const answer = values.answers[String(option.id)] ?? '';
  const optional = option.required ? '' : html` <span class="hint">(optional)</span>`;
  const invalid = errors[name] === undefined ? '' : html` aria-invalid="true" aria-describedby="f-${name}-error"`;
  switch (option.type) {
    case 'select': {
      const chosen = typeof answer === 'string' ? answer : '';
      return html`<div class="field"><label for="f-${name}">${option.name}${optional}</label>
<select id="f-${name}" name="${name}"${invalid}><option value="">Choose…</option>${option.choices.map((c) => html`<option value="${c}"${c === chosen ? html` selected` : ''}>${c}</option>`)}</select>
${errorLine(name, errors)}</div>`;
    }
    case 'multi': {
      const picked = typeof answer === 'string' ? [answer] : answer;
      return html`<fieldset id="f-${name}"${invalid}><legend>${option.name}${optional}</legend>
${option.choices.map((c) => html`<label class="choice"><input type="checkbox" name="${name}" value="${c}"${picked.includes(c) ? html` checked` : ''}> <span>${c}</span></label>`)}
${errorLine(name, errors)}</fieldset>`;
    }
    case 'text':
      return field({ name, label: option.name, value: typeof answer === 'string' ? answer : '', required: option.required, maxLength: option.maxLength ?? undefined, errors });
    case 'number': {
      const bounds = [option.min === null ? '' : `at least ${option.min}`, option.max === null ? '' : `at most ${option.max}`].filter((s) => s !== '').join(', ');
      return field({ name, label: option.name, type: 'number', value: typeof answer === 'string' ? answer : '', required: option.required, hint: bounds === '' ? undefined : `A number, ${bounds}.`, errors });
    }
  }
}

/** The registration page: register for the current convention, or see and edit the registration. */
export function registrationPage(context: AccountContext, state: RegistrationPageState): SafeHtml {
  const { form, values, errors } = state;
  const saved = form.registration;
  const heading = html`<h1>Registration for ${form.conventionName}</h1>
${successNotice(state.done)}
${errorNotice(state.problem)}
${errorSummary(errors)}`;
  if (saved !== undefined && (saved.status === 'cancelled' || saved.status === 'refunded')) {
    return html`${heading}<p>Status: ${statusBadge(STATUS_TEXT[saved.status])}</p>
<p>This registration can no longer be changed here. Contact the registration desk if you want to register again.</p>`;
  }
  if (form.badgeLevels.length === 0 && saved === undefined) {
    return html`${heading}<p>Registration for ${form.conventionName} is not open yet: no badge levels are offered.</p>`;
  }
  // A paid registration keeps its badge level: a different one means a price difference for the registration desk.
  const locked = saved?.status === 'paid';
  const levels = saved !== undefined && !form.badgeLevels.some((l) => l.id === saved.productId) ? [...form.badgeLevels, { id: saved.productId, name: 'Your current badge level (no longer offered)', priceCents: 0 }] : form.badgeLevels;
  return html`${heading}
${saved === undefined ? html`<p>Choose your badge level and badge name. Your registration is saved as unpaid; you pay for it separately.</p>` : html`<p>Status: ${statusBadge(STATUS_TEXT[saved.status])}</p>`}
<form method="post" action="${context.prefix}${REGISTRATION_PATH}" novalidate>
${csrfField(context.csrfToken)}
<input type="hidden" name="version" value="${values.version}">
<fieldset id="f-productId"${errors.productId === undefined ? '' : html` aria-invalid="true" aria-describedby="f-productId-error"`}><legend>Badge level</legend>
${locked ? html`<div class="hint">Your registration is paid, so its badge level is fixed. Ask the registration desk to change it.</div>` : ''}
${levels.map((level) => levelChoice(level, values, locked))}
${errorLine('productId', errors)}</fieldset>
${field({ name: 'badgeName', label: 'Badge name', value: values.badgeName, required: true, maxLength: BADGE_NAME_MAX_LENGTH, hint: `The name printed on your badge, up to ${BADGE_NAME_MAX_LENGTH} characters.`, errors })}
${form.options.length === 0 ? '' : html`<fieldset><legend>About your attendance</legend>
${form.options.map((option) => optionInput(option, values, errors))}
</fieldset>`}
<button type="submit">${saved === undefined ? 'Register' : 'Save changes'}</button>
</form>`;
}

export function noConventionPage(context: AccountContext): SafeHtml {
  return html`<h1>Registration</h1>
<p>${context.instanceName} has no convention open for registration right now.</p>`;
}
