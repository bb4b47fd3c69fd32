import { html, type SafeHtml } from './html.js';

/** Problems with a submitted form, by field name; '' holds a problem with the form as a whole. */
export type FieldErrors = Record<string, string>;

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export interface FieldOptions {
  name: string;
  label: string;
  value?: string;
  type?: 'text' | 'email' | 'password' | 'url' | 'tel' | 'number' | 'date';
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  errors?: FieldErrors;
  multiline?: boolean;
  maxLength?: number;
}

/** A labelled input (or textarea) whose hint and error are tied to it for screen readers. */
export function field(options: FieldOptions): SafeHtml {
  const id = `f-${options.name}`;
  const error = options.errors?.[options.name];
  const describedBy = [options.hint === undefined ? '' : `${id}-hint`, error === undefined ? '' : `${id}-error`].filter((s) => s !== '').join(' ');
  const common = html`id="${id}" name="${options.name}"${options.required === true ? html` required` : ''}${options.maxLength === undefined ? '' : html` maxlength="${options.maxLength}"`}${describedBy === '' ? '' : html` aria-describedby="${describedBy}"`}${error === undefined ? '' : html` aria-invalid="true"`}${options.autocomplete === undefined ? '' : html` autocomplete="${options.autocomplete}"`}`;
  const control = options.multiline === true
    ? html`<textarea ${common} rows="4">${options.value ?? ''}</textarea>`
    : html`<input type="${options.type ?? 'text'}" ${common} value="${options.type === 'password' ? '' : (options.value ?? '')}">`;
  return html`<div class="field"><label for="${id}">${options.label}${options.required === true ? '' : html` <span class="hint">(optional)</span>`}</label>
${options.hint === undefined ? '' : html`<div class="hint" id="${id}-hint">${options.hint}</div>`}${control}
${error === undefined ? '' : html`<div class="field-error" id="${id}-error">${error}</div>`}</div>`;
}

/** The list of problems at the top of a form, focused so keyboard and screen-reader users land on it. */
export function errorSummary(errors: FieldErrors): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div class="notice error" role="alert" tabindex="-1" id="error-summary"><p>Please fix the following:</p><ul>${entries.map(([name, message]) => html`<li>${name === '' ? message : html`<a href="#f-${name}">${message}</a>`}</li>`)}</ul></div>`;
}
