import { parseOptionValues } from '../../api/v0/event-options.js';
import type { OptionQuestion } from '../../instance/option-answers.js';
import type { OwnVolunteerApplication, VolunteerForm } from '../../instance/volunteer-application.js';
import { CONTACT_METHODS_MAX } from '../../instance/volunteer-self-service.js';
import { errorNotice, successNotice, time } from '../components.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import type { AccountContext } from './views.js';

export const VOLUNTEER_PATH = '/account/volunteer';
export const VOLUNTEER_WITHDRAW_PATH = '/account/volunteer/withdraw';

/** How the applicant feels about a department besides experience: one of three, so a radio group. */
export type DepartmentLeaning = 'interest' | 'avoid' | '';

/** The form's fields as typed (or as saved), plus the version they were read at ('' for a new application). */
export interface VolunteerFormValues {
  version: string;
  contacts: { name: string; value: string }[];
  /** Index into `contacts` of the one to use first. */
  primary: number | null;
  experience: ReadonlySet<number>;
  leanings: ReadonlyMap<number, DepartmentLeaning>;
  availableBeforeCon: boolean;
  anythingElse: string;
  previousConExperience: string;
  previousOtherExperience: string;
  eventsCanNotMiss: string;
  /** Option id → the answer's text (several for a 'multi' question). */
  options: ReadonlyMap<number, readonly string[]>;
}

export const EMPTY_VOLUNTEER_FORM: VolunteerFormValues = {
  version: '',
  contacts: [{ name: 'email', value: '' }],
  primary: 0,
  experience: new Set(),
  leanings: new Map(),
  availableBeforeCon: false,
  anythingElse: '',
  previousConExperience: '',
  previousOtherExperience: '',
  eventsCanNotMiss: '',
  options: new Map(),
};

export function volunteerFormValues(application: OwnVolunteerApplication): VolunteerFormValues {
  const experience = new Set<number>();
  const leanings = new Map<number, DepartmentLeaning>();
  for (const [departmentId, states] of application.preferences) {
    if (states.includes('experience')) experience.add(departmentId);
    if (states.includes('interest')) leanings.set(departmentId, 'interest');
    else if (states.includes('avoid')) leanings.set(departmentId, 'avoid');
  }
  const primary = application.contactMethods.findIndex((method) => method.isPrimary);
  const options = new Map<number, string[]>();
  for (const [id, value] of parseOptionValues(application.optionValues)) options.set(id, Array.isArray(value) ? value : [String(value)]);
  return {
    version: application.updatedAt,
    contacts: application.contactMethods.map(({ name, value }) => ({ name, value })),
    primary: primary < 0 ? null : primary,
    experience,
    leanings,
    availableBeforeCon: application.availableBeforeCon,
    anythingElse: application.anythingElse ?? '',
    previousConExperience: application.previousConExperience ?? '',
    previousOtherExperience: application.previousOtherExperience ?? '',
    eventsCanNotMiss: application.eventsCanNotMiss ?? '',
    options,
  };
}

export interface VolunteerPageState {
  form: VolunteerForm;
  values: VolunteerFormValues;
  errors: FieldErrors;
  /** The saved application, when there is one (for its dates, assignments and the withdraw link). */
  application: OwnVolunteerApplication | undefined;
  done?: string;
  problem?: string;
}

function contactRows(values: VolunteerFormValues, errors: FieldErrors): SafeHtml {
  // Two empty rows beyond those filled in, so another method can be added without scripts.
  const count = Math.min(CONTACT_METHODS_MAX, values.contacts.length + 2);
  const rows: SafeHtml[] = [];
  for (let index = 0; index < count; index += 1) {
    const contact = values.contacts[index] ?? { name: '', value: '' };
    rows.push(html`<div class="contact-method" role="group" aria-label="Contact method ${index + 1}">
<label for="f-contactName-${index}">Method ${index + 1}</label><input id="f-contactName-${index}" name="contactName-${index}" value="${contact.name}" maxlength="32" placeholder="e.g. email, discord, telegram">
<label for="f-contactValue-${index}">Address or handle</label><input id="f-contactValue-${index}" name="contactValue-${index}" value="${contact.value}" maxlength="200">
<label class="choice"><input type="radio" name="primaryContact" value="${index}"${values.primary === index ? html` checked` : ''}> <span>Contact me this way first</span></label>
</div>`);
  }
  const error = (name: string) => (errors[name] === undefined ? '' : html`<div class="field-error" id="f-${name}">${errors[name]}</div>`);
  return html`<fieldset><legend>How to contact you</legend>
<div class="hint">Each way we can reach you, and the one to use first. Leave a row empty to remove it.</div>
${error('contactMethods')}${error('primaryContactMethod')}
${rows}
</fieldset>`;
}

function departmentRows(form: VolunteerForm, values: VolunteerFormValues, errors: FieldErrors): SafeHtml {
  if (form.departments.length === 0) return html``;
  const rows = form.departments.map((department) => {
    const leaning = values.leanings.get(department.id) ?? '';
    const radio = (value: DepartmentLeaning, label: string) =>
      html`<label class="choice"><input type="radio" name="leaning-${department.id}" value="${value}"${leaning === value ? html` checked` : ''}> <span>${label}</span></label>`;
    return html`<fieldset><legend>${department.name}</legend>
<label class="choice"><input type="checkbox" name="experience-${department.id}" value="yes"${values.experience.has(department.id) ? html` checked` : ''}> <span>I have experience in ${department.name}</span></label>
${radio('interest', 'I would like to help here')}${radio('', 'No preference')}${radio('avoid', 'Please do not put me here')}
</fieldset>`;
  });
  return html`<fieldset><legend>Departments</legend>
<div class="hint">Tell us where you have experience, where you would like to help and where not. Department leads decide the assignments.</div>
${errors.departments === undefined ? '' : html`<div class="field-error" id="f-departments">${errors.departments}</div>`}
${rows}
</fieldset>`;
}

function question(q: OptionQuestion, values: VolunteerFormValues, errors: FieldErrors): SafeHtml {
  const name = `option-${q.id}`;
  const answer = values.options.get(q.id) ?? [];
  const error = errors[name];
  const errorHtml = error === undefined ? '' : html`<div class="field-error" id="f-${name}-error">${error}</div>`;
  const optional = q.required ? '' : html` <span class="hint">(optional)</span>`;
  const invalid = error === undefined ? '' : html` aria-invalid="true" aria-describedby="f-${name}-error"`;
  switch (q.type) {
    case 'select':
      return html`<div class="field"><label for="f-${name}">${q.name}${optional}</label>
<select id="f-${name}" name="${name}"${invalid}><option value="">Choose…</option>${q.choices.map((choice) => html`<option value="${choice}"${answer.includes(choice) ? html` selected` : ''}>${choice}</option>`)}</select>${errorHtml}</div>`;
    case 'multi':
      return html`<fieldset id="f-${name}"><legend>${q.name}${optional}</legend>
${q.choices.map((choice) => html`<label class="choice"><input type="checkbox" name="${name}" value="${choice}"${answer.includes(choice) ? html` checked` : ''}> <span>${choice}</span></label>`)}${errorHtml}</fieldset>`;
    case 'number': {
      const bounds = [q.min === null ? '' : html` min="${q.min}"`, q.max === null ? '' : html` max="${q.max}"`];
      return html`<div class="field"><label for="f-${name}">${q.name}${optional}</label>
<input type="number" id="f-${name}" name="${name}" value="${answer[0] ?? ''}"${bounds} step="any"${invalid}>${errorHtml}</div>`;
    }
    case 'text':
      return field({ name, label: q.name, value: answer[0] ?? '', required: q.required, maxLength: q.maxLength ?? undefined, errors });
  }
}

function freeText(values: VolunteerFormValues, errors: FieldErrors): SafeHtml {
  const area = (name: 'previousConExperience' | 'previousOtherExperience' | 'eventsCanNotMiss' | 'anythingElse', label: string, hint?: string) =>
    field({ name, label, value: values[name], multiline: true, maxLength: 2000, hint, errors });
  return html`<fieldset><legend>About you</legend>
<label class="choice"><input type="checkbox" name="availableBeforeCon" value="yes"${values.availableBeforeCon ? html` checked` : ''}> <span>I can help before the convention starts (setup)</span></label>
${area('previousConExperience', 'Volunteering at conventions', 'Where and what you did.')}
${area('previousOtherExperience', 'Other experience')}
${area('eventsCanNotMiss', 'Events you cannot miss', 'We try not to schedule you during them.')}
${area('anythingElse', 'Anything else')}
</fieldset>`;
}

export function volunteerPage(context: AccountContext, state: VolunteerPageState): SafeHtml {
  const { form, values, errors, application } = state;
  const editing = values.version !== '';
  const status = application === undefined
    ? html`<p>Apply to volunteer at ${form.conventionName}. You can change or withdraw your application later.</p>`
    : html`<p>You applied to volunteer at ${form.conventionName} on ${time(application.createdAt)}; last changed ${time(application.updatedAt)}.</p>
${application.assignedDepartments.length === 0 ? html`<p class="muted">You have not been assigned to a department yet.</p>` : html`<p>You are assigned to: ${application.assignedDepartments.join(', ')}.</p>`}`;
  return html`<h1>Volunteer</h1>
${successNotice(state.done)}
${errorNotice(state.problem)}
${errorSummary(errors)}
${status}
<form method="post" action="${context.prefix}${VOLUNTEER_PATH}" novalidate>
${csrfField(context.csrfToken)}
<input type="hidden" name="version" value="${values.version}">
${contactRows(values, errors)}
${departmentRows(form, values, errors)}
${form.questions.length === 0 ? '' : html`<fieldset><legend>Questions from ${form.conventionName}</legend>${form.questions.map((q) => question(q, values, errors))}</fieldset>`}
${freeText(values, errors)}
<button type="submit">${editing ? 'Save application' : 'Apply to volunteer'}</button>
</form>
${application === undefined ? '' : html`<form method="get" action="${context.prefix}${VOLUNTEER_WITHDRAW_PATH}"><button type="submit" class="danger">Withdraw application…</button></form>`}`;
}

/** There is no convention to apply for. */
export function noConventionPage(): SafeHtml {
  return html`<h1>Volunteer</h1>
<p>There is no upcoming convention to volunteer for yet. Check back later.</p>`;
}

/** "Are you sure?": what withdrawing does, and the one button that does it. */
export function withdrawConfirmationPage(context: AccountContext, form: VolunteerForm, application: OwnVolunteerApplication, problem?: string): SafeHtml {
  return html`<h1>Withdraw your volunteer application?</h1>
${errorNotice(problem)}
<p>Your application to volunteer at ${form.conventionName} will be deleted, with your contact methods, department preferences${application.assignedDepartments.length === 0 ? '' : html` and your assignments (${application.assignedDepartments.join(', ')})`}. You can apply again later.</p>
<form method="post" action="${context.prefix}${VOLUNTEER_WITHDRAW_PATH}" class="inline">${csrfField(context.csrfToken)}<input type="hidden" name="version" value="${application.updatedAt}"><button type="submit" class="danger">Withdraw application</button></form>
<a href="${context.prefix}${VOLUNTEER_PATH}">Cancel</a>`;
}
