import type { Kysely } from 'kysely';
import type { OptionTarget, OptionType, Schema } from '../db/schema.js';

/**
 * The questions a convention asks on one of its forms (option definitions) and the checking of
 * a person's answers to them against each question's constraints: a 'select' answer is one of
 * the choices, a 'multi' answer a set of them, a 'number' within its bounds, a 'text' within its
 * length. Answers are stored as the form's `option_values` JSON, keyed by definition id.
 */

export interface OptionQuestion {
  id: number;
  name: string;
  /** 'phone' and 'address' only belong to dealer profiles; elsewhere they are asked as text. */
  type: 'select' | 'multi' | 'text' | 'number';
  choices: string[];
  required: boolean;
  min: number | null;
  max: number | null;
  maxLength: number | null;
}

/** A submitted answer as a form carries it: text, or a list for a 'multi' question. */
export type RawAnswer = string | readonly string[];

export type StoredAnswer = number | string | string[];

/** The longest text answer when the question sets no limit. */
const TEXT_MAX = 2000;

function parseChoices(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function questionType(type: OptionType): OptionQuestion['type'] {
  return type === 'phone' || type === 'address' ? 'text' : type;
}

/** The questions of a convention's form, in the order the event set. */
export async function loadOptionQuestions(db: Kysely<Schema>, orgId: number, conventionId: number, target: OptionTarget): Promise<OptionQuestion[]> {
  const rows = await db
    .selectFrom('option_definitions')
    .select(['id', 'name', 'type', 'choices', 'required', 'min_value', 'max_value', 'max_length'])
    .where('org_id', '=', orgId)
    .where('convention_id', '=', conventionId)
    .where('target', '=', target)
    .orderBy('sort_order')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    type: questionType(row.type),
    choices: parseChoices(row.choices),
    required: row.required === 1,
    min: row.min_value,
    max: row.max_value,
    maxLength: row.max_length,
  }));
}

type CheckedAnswer = { ok: true; value: StoredAnswer | null } | { ok: false; error: string };

const NUMBER = /^-?[0-9]{1,15}(\.[0-9]{1,6})?$/;

function checkAnswer(question: OptionQuestion, raw: RawAnswer | undefined): CheckedAnswer {
  const list = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
  const given = list.map((item) => item.trim()).filter((item) => item !== '');
  if (given.length === 0) return question.required ? { ok: false, error: `Answer “${question.name}”.` } : { ok: true, value: null };
  switch (question.type) {
    case 'select': {
      if (given.length > 1 || !question.choices.includes(given[0] ?? '')) return { ok: false, error: `Choose one of the answers offered for “${question.name}”.` };
      return { ok: true, value: given[0] ?? '' };
    }
    case 'multi': {
      const chosen = [...new Set(given)];
      if (chosen.some((item) => !question.choices.includes(item))) return { ok: false, error: `Choose only among the answers offered for “${question.name}”.` };
      // Stored in the order the question lists its choices, so the same selection is always the same value.
      return { ok: true, value: question.choices.filter((choice) => chosen.includes(choice)) };
    }
    case 'number': {
      const text = given[0] ?? '';
      if (given.length > 1 || !NUMBER.test(text)) return { ok: false, error: `Enter a number for “${question.name}”.` };
      const value = Number(text);
      if (question.min !== null && value < question.min) return { ok: false, error: `“${question.name}” must be at least ${question.min}.` };
      if (question.max !== null && value > question.max) return { ok: false, error: `“${question.name}” must be at most ${question.max}.` };
      return { ok: true, value };
    }
    case 'text': {
      const text = given[0] ?? '';
      const max = question.maxLength ?? TEXT_MAX;
      if (given.length > 1) return { ok: false, error: `Give one answer for “${question.name}”.` };
      if (text.length > max) return { ok: false, error: `The answer to “${question.name}” can be at most ${max} characters long.` };
      return { ok: true, value: text };
    }
  }
}

export type CheckedAnswers = { ok: true; values: Record<string, StoredAnswer> } | { ok: false; errors: Record<number, string> };

/**
 * Every question's answer checked, as the `option_values` object to store, or each question's
 * problem by its id. Answers to questions the form does not ask are refused, not dropped: they
 * come from a stale form or a crafted request.
 */
export function checkOptionAnswers(questions: readonly OptionQuestion[], answers: ReadonlyMap<number, RawAnswer>): CheckedAnswers {
  const errors: Record<number, string> = {};
  const values: Record<string, StoredAnswer> = {};
  for (const id of answers.keys()) {
    if (!questions.some((question) => question.id === id)) errors[id] = 'This question is not asked here (any more). Reload the form.';
  }
  for (const question of questions) {
    const checked = checkAnswer(question, answers.get(question.id));
    if (!checked.ok) errors[question.id] = checked.error;
    else if (checked.value !== null) values[String(question.id)] = checked.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values };
}
