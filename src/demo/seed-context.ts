import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { ConventionCatalog, OrgCatalog } from './catalog.js';
import type { DemoInstanceDefinition } from './instances.js';
import type { DemoPerson } from './people.js';
import type { SeededRandom } from './random.js';

export const DAY_MS = 86_400_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function dateOnly(ms: number): string {
  return iso(ms).slice(0, 10);
}

export interface SeededConvention {
  id: number;
  name: string;
  startMs: number;
  /** When registration opened: nothing for this convention was created before. */
  opensMs: number;
  catalog: ConventionCatalog;
}

export interface SeededUser {
  id: number;
  person: DemoPerson;
}

/** What the parts of one instance's seed share while they fill it. */
export interface InstanceSeeding {
  /** The seed's transaction. */
  db: Kysely<Schema>;
  random: SeededRandom;
  definition: DemoInstanceDefinition;
  orgId: number;
  /** Midnight UTC of the seed day: every generated time lies before it. */
  anchorMs: number;
  /** Oldest first; the last is the current convention. */
  conventions: readonly SeededConvention[];
  orgCatalog: OrgCatalog;
  /** Everyone but the org admin, in generation order. */
  attendees: readonly SeededUser[];
}

export function currentConvention(seeding: InstanceSeeding): SeededConvention {
  const current = seeding.conventions.at(-1);
  if (current === undefined) throw new Error(`demo instance ${seeding.definition.slug} has no convention`);
  return current;
}

/** A random moment in [from, to), or `from` itself when the window is empty. */
export function momentBetween(seeding: InstanceSeeding, fromMs: number, toMs: number): number {
  return toMs <= fromMs ? fromMs : seeding.random.int(fromMs, toMs - 1);
}

/** The id a natural key was inserted under; a miss is a bug in the seed, not bad input. */
export function requireId<K>(ids: ReadonlyMap<K, number>, key: K): number {
  const id = ids.get(key);
  if (id === undefined) throw new Error(`demo seed lost track of the row for ${String(key)}`);
  return id;
}
