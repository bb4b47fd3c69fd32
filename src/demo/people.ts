import { createHash } from 'node:crypto';
import { FIRST_NAMES, HANDLES, LAST_NAMES } from './names.js';
import { generateAddress, pickCity, type PostalAddress } from './places.js';
import type { SeededRandom } from './random.js';

const DAY_MS = 86_400_000;

/** One generated person of an instance, before it becomes a users row. */
export interface DemoPerson {
  username: string;
  firstName: string;
  lastName: string;
  preferredName: string | null;
  email: string;
  emailVerified: boolean;
  /** E.164 */
  phone: string | null;
  address: PostalAddress | null;
  /** 'YYYY-MM-DD' */
  bornAt: string | null;
  identityVerified: boolean;
  newsletter: boolean;
  profilePictureUrl: string | null;
  socialLinks: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
}

/**
 * Makes realistic people with usernames and emails unique in their instance (compared in lower
 * case, as the database does).
 */
export class PeopleGenerator {
  readonly #random: SeededRandom;
  readonly #emailDomains: readonly string[];
  readonly #anchorMs: number;
  readonly #takenUsernames = new Set<string>();
  readonly #takenEmails = new Set<string>();
  /** The next number to try per taken base name, so collisions cost O(1) at 100k people. */
  readonly #nextSuffix = new Map<string, number>();

  constructor(random: SeededRandom, emailDomains: readonly string[], anchor: Date) {
    this.#random = random;
    this.#emailDomains = emailDomains;
    this.#anchorMs = anchor.getTime();
  }

  /** Keeps a hand-made account's username and email from being generated again. */
  reserve(username: string, email: string): void {
    this.#takenUsernames.add(username.toLowerCase());
    this.#takenEmails.add(email.toLowerCase());
  }

  next(): DemoPerson {
    const random = this.#random;
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const preferredName = random.chance(0.35) ? random.pick(HANDLES) : null;
    const username = this.#uniqueUsername(this.#usernameIdea(firstName, lastName, preferredName));
    const email = this.#uniqueEmail(
      random.chance(0.7) ? `${ascii(firstName)}.${ascii(lastName)}`.toLowerCase() : username.toLowerCase(),
      random.pick(this.#emailDomains),
    );
    const city = pickCity(random);
    const createdAtMs = this.#anchorMs - random.int(2, 4 * 365) * DAY_MS - random.int(0, DAY_MS - 1);
    const updatedAtMs = random.chance(0.5) ? createdAtMs : random.int(createdAtMs, this.#anchorMs - 1);
    return {
      username,
      firstName,
      lastName,
      preferredName,
      email,
      emailVerified: random.chance(0.9),
      phone: random.chance(0.85) ? city.phone(random) : null,
      address: random.chance(0.8) ? generateAddress(random, city) : null,
      bornAt: random.chance(0.9) ? this.#birthDate() : null,
      identityVerified: random.chance(0.2),
      newsletter: random.chance(0.4),
      profilePictureUrl: random.chance(0.4) ? gravatarUrl(email) : null,
      socialLinks: this.#socialLinks(username),
      createdAtMs,
      updatedAtMs,
    };
  }

  #usernameIdea(firstName: string, lastName: string, preferredName: string | null): string {
    const random = this.#random;
    const first = ascii(firstName);
    const last = ascii(lastName);
    const style = random.int(1, 10);
    if (style <= 3) return `${first}${last}`;
    if (style <= 5) return `${first}_${last}`.toLowerCase();
    if (style <= 7) return `${first}${last.charAt(0)}${random.digits(2)}`.toLowerCase();
    const handle = preferredName ?? random.pick(HANDLES);
    return `${handle}${random.pick(['', 'The', '_'])}${random.pick(['Fox', 'Wolf', 'Cat', 'Bun', 'Otter', 'Drake'])}`;
  }

  #uniqueUsername(idea: string): string {
    return this.#unique(idea, this.#takenUsernames, (base, n) => `${base}${n}`);
  }

  #uniqueEmail(localPart: string, domain: string): string {
    return this.#unique(`${localPart}@${domain}`, this.#takenEmails, (base, n) => base.replace('@', `${n}@`));
  }

  #unique(idea: string, taken: Set<string>, withNumber: (base: string, n: number) => string): string {
    let candidate = idea;
    while (taken.has(candidate.toLowerCase())) {
      const key = idea.toLowerCase();
      const n = this.#nextSuffix.get(key) ?? 2;
      this.#nextSuffix.set(key, n + 1);
      candidate = withNumber(idea, n);
    }
    taken.add(candidate.toLowerCase());
    return candidate;
  }

  #birthDate(): string {
    const anchorYear = new Date(this.#anchorMs).getUTCFullYear();
    const year = anchorYear - this.#random.int(18, 65);
    const month = this.#random.int(1, 12);
    const day = this.#random.int(1, 28);
    return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }

  #socialLinks(username: string): Record<string, string> {
    const links: Record<string, string> = {};
    if (this.#random.chance(0.4)) links.twitter = `@${username}`;
    if (this.#random.chance(0.3)) links.discord = username.toLowerCase();
    if (this.#random.chance(0.15)) links.telegram = `@${username}`;
    return links;
  }
}

/** Letters and digits only, accents dropped: 'Zoë' → 'Zoe', "O'Brien" → 'OBrien'. */
export function ascii(text: string): string {
  return text.normalize('NFD').replace(/[^A-Za-z0-9]/g, '');
}

function gravatarUrl(email: string): string {
  const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
  return `https://www.gravatar.com/avatar/${digest}?d=identicon`;
}
