import type { SeededRandom } from './random.js';

/** A city demo people live in, with what its addresses and phone numbers look like. */
export interface City {
  city: string;
  state: string;
  /** ISO 3166-1 alpha-2. */
  country: 'US' | 'CA' | 'GB' | 'DE';
  /** How likely a demo person lives here, relative to the others. */
  weight: number;
  zipcode(random: SeededRandom): string;
  /** A number in the range each country reserves for fiction, so no real line is ever rung. */
  phone(random: SeededRandom): string;
}

// 555-0100 to 555-0199 is the North American range reserved for fictional use.
const northAmericanPhone = (areaCodes: readonly string[]) => (random: SeededRandom) =>
  `+1${random.pick(areaCodes)}55501${random.digits(2)}`;

const usZip = (prefix: string) => (random: SeededRandom) => `${prefix}${random.digits(5 - prefix.length)}`;

function us(city: string, state: string, zipPrefix: string, areaCodes: readonly string[], weight: number): City {
  return { city, state, country: 'US', weight, zipcode: usZip(zipPrefix), phone: northAmericanPhone(areaCodes) };
}

function canada(city: string, province: string, postalPrefix: string, areaCodes: readonly string[]): City {
  const letters = 'ABCEGHJKLMNPRSTVWXYZ';
  return {
    city,
    state: province,
    country: 'CA',
    weight: 2,
    zipcode: (random) =>
      `${postalPrefix} ${random.digits(1)}${letters.charAt(random.int(0, letters.length - 1))}${random.digits(1)}`,
    phone: northAmericanPhone(areaCodes),
  };
}

// Ofcom reserves 07700 900000 to 900999 for drama.
const ukPhone = (random: SeededRandom) => `+447700900${random.digits(3)}`;
// The Bundesnetzagentur reserves +49 30 23125 000 to 999 (Berlin) for drama.
const germanPhone = (random: SeededRandom) => `+493023125${random.digits(3)}`;

export const CITIES: readonly City[] = [
  us('Chicago', 'IL', '606', ['312', '773', '872'], 14),
  us('Rosemont', 'IL', '60018', ['847'], 2),
  us('Naperville', 'IL', '605', ['630', '331'], 3),
  us('Milwaukee', 'WI', '532', ['414'], 5),
  us('Madison', 'WI', '537', ['608'], 3),
  us('Minneapolis', 'MN', '554', ['612'], 5),
  us('Detroit', 'MI', '482', ['313'], 4),
  us('Grand Rapids', 'MI', '495', ['616'], 2),
  us('Indianapolis', 'IN', '462', ['317'], 4),
  us('Columbus', 'OH', '432', ['614'], 4),
  us('Cleveland', 'OH', '441', ['216'], 3),
  us('St. Louis', 'MO', '631', ['314'], 3),
  us('Kansas City', 'MO', '641', ['816'], 2),
  us('Des Moines', 'IA', '503', ['515'], 2),
  us('Pittsburgh', 'PA', '152', ['412'], 3),
  us('Philadelphia', 'PA', '191', ['215', '267'], 3),
  us('New York', 'NY', '100', ['212', '646'], 4),
  us('Boston', 'MA', '021', ['617'], 2),
  us('Atlanta', 'GA', '303', ['404', '678'], 2),
  us('Orlando', 'FL', '328', ['407'], 2),
  us('Austin', 'TX', '787', ['512'], 2),
  us('Dallas', 'TX', '752', ['214', '469'], 2),
  us('Denver', 'CO', '802', ['303', '720'], 2),
  us('Seattle', 'WA', '981', ['206'], 3),
  us('Tacoma', 'WA', '984', ['253'], 1),
  us('Portland', 'OR', '972', ['503', '971'], 3),
  us('San Francisco', 'CA', '941', ['415'], 3),
  us('Oakland', 'CA', '946', ['510'], 2),
  us('San Jose', 'CA', '951', ['408'], 2),
  us('Los Angeles', 'CA', '900', ['213', '323'], 3),
  canada('Toronto', 'ON', 'M5V', ['416', '647']),
  canada('Vancouver', 'BC', 'V6B', ['604', '778']),
  canada('Montréal', 'QC', 'H2X', ['514', '438']),
  {
    city: 'London',
    state: 'England',
    country: 'GB',
    weight: 2,
    zipcode: (random) => `SE1 ${random.digits(1)}${random.pick(['AB', 'DF', 'HT', 'NP', 'XY'])}`,
    phone: ukPhone,
  },
  {
    city: 'Manchester',
    state: 'England',
    country: 'GB',
    weight: 1,
    zipcode: (random) => `M1 ${random.digits(1)}${random.pick(['AE', 'BB', 'JQ', 'LW'])}`,
    phone: ukPhone,
  },
  {
    city: 'Berlin',
    state: 'BE',
    country: 'DE',
    weight: 1,
    zipcode: (random) => `10${random.pick(['115', '117', '119', '178', '435'])}`,
    phone: germanPhone,
  },
];

const CITY_WEIGHTS: readonly (readonly [City, number])[] = CITIES.map((city) => [city, city.weight]);

export function pickCity(random: SeededRandom): City {
  return random.weighted(CITY_WEIGHTS);
}

// prettier-ignore
const STREET_NAMES = [
  'Maple', 'Oak', 'Cedar', 'Elm', 'Pine', 'Lake', 'Hill', 'Park', 'Washington', 'Lincoln',
  'Jefferson', 'Madison', 'Franklin', 'Highland', 'Sunset', 'River', 'Church', 'Mill', 'Spring', 'Walnut',
  'Chestnut', 'Willow', 'Meadow', 'Forest', 'Harbor', 'Prospect', 'Union', 'Grove', 'Ridge', 'Orchard',
] as const;
const STREET_TYPES = ['St', 'Ave', 'Rd', 'Blvd', 'Ln', 'Dr', 'Ct', 'Way', 'Pl', 'Ter'] as const;

export interface PostalAddress {
  line1: string;
  line2: string | null;
  city: string;
  state: string;
  zipcode: string;
  country: string;
}

export function generateAddress(random: SeededRandom, city: City): PostalAddress {
  const line1 =
    city.country === 'DE'
      ? `${random.pick(STREET_NAMES)}straße ${random.int(1, 180)}`
      : `${random.int(1, 9899)} ${random.pick(STREET_NAMES)} ${random.pick(STREET_TYPES)}`;
  return {
    line1,
    line2: random.chance(0.25)
      ? random.pick([
          `Apt ${random.int(1, 40)}${random.pick(['', 'A', 'B'])}`,
          `Unit ${random.int(100, 999)}`,
          `Suite ${random.int(100, 450)}`,
        ])
      : null,
    city: city.city,
    state: city.state,
    zipcode: city.zipcode(random),
    country: city.country,
  };
}
