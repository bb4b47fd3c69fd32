import type { SeededOption } from './catalog.js';
import type { PostalAddress } from './places.js';
import type { SeededRandom } from './random.js';

type OptionValue = number | string | string[];

/** What a person answers to questions that have no list of sample answers. */
export interface AnswerSource {
  phone?: string | null;
  address?: PostalAddress | null;
  /** Free-text answers by question name. */
  texts?: Readonly<Record<string, string>>;
}

/** A person's answers to a form: the option_values JSON, keyed by option definition id. */
export function answerOptions(
  random: SeededRandom,
  options: readonly SeededOption[],
  source: AnswerSource = {},
): string {
  const values: Record<string, OptionValue> = {};
  for (const { id, spec } of options) {
    if (!spec.required && !random.chance(spec.answerRate ?? 0.5)) continue;
    const value = answer(random, spec, source);
    if (value === null) {
      if (spec.required) throw new Error(`demo data has no answer to the required question "${spec.name}"`);
      continue;
    }
    values[String(id)] = value;
  }
  return JSON.stringify(values);
}

function answer(random: SeededRandom, spec: SeededOption['spec'], source: AnswerSource): OptionValue | null {
  switch (spec.type) {
    case 'select':
      return random.pick(spec.choices ?? []);
    case 'multi': {
      const choices = spec.choices ?? [];
      return random.sample(choices, random.int(1, Math.min(3, choices.length)));
    }
    case 'text':
      return spec.answers === undefined ? (source.texts?.[spec.name] ?? null) : random.pick(spec.answers);
    case 'number':
      return random.int(spec.minValue ?? 0, spec.maxValue ?? 10);
    case 'phone':
      return source.phone ?? null;
    case 'address':
      return source.address ? addressLines(source.address) : null;
  }
}

/** An address answer is its lines, as the envelope would show them. */
function addressLines(address: PostalAddress): string[] {
  return [
    address.line1,
    ...(address.line2 === null ? [] : [address.line2]),
    `${address.city}, ${address.state} ${address.zipcode}`,
    address.country,
  ];
}
