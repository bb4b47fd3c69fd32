import type { OptionTarget, OptionType } from '../db/schema.js';

/** A question on one of an instance's forms, and how demo people answer it. */
export interface OptionSpec {
  name: string;
  type: OptionType;
  /** For 'select' and 'multi'. */
  choices?: readonly string[];
  required: boolean;
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
  /** For 'text': answers people give. */
  answers?: readonly string[];
  /** How often an optional question is answered. */
  answerRate?: number;
}

export interface ProductSpec {
  name: string;
  displayName: string | null;
  priceCents: number;
  /** How often people choose it, relative to the others of its kind. */
  weight: number;
}

/** Everything that makes one demo instance itself; people are generated around it. */
export interface DemoInstanceDefinition {
  slug: string;
  name: string;
  /** The organization's own mail domain (departments, staff). */
  orgDomain: string;
  /** Domains attendees' addresses are on. */
  emailDomains: readonly string[];
  conventionName: string;
  conventionSlugPrefix: string;
  /** The current convention starts this many days after the seed date. */
  daysUntilConvention: number;
  conventionDays: number;
  /** Earlier yearly conventions, each with its own catalog and a share of past registrations. */
  pastConventions: number;
  /** The fixed second instance keeps its size whatever the first is asked to be. */
  users: number | 'requested';
  admin: { username: string; firstName: string; lastName: string };
  badgeLevels: readonly ProductSpec[];
  tableTypes: readonly ProductSpec[];
  addons: readonly ProductSpec[];
  flags: readonly { shortName: string; name: string; share: number }[];
  badgeArts: readonly string[];
  departments: readonly { name: string; emailLocalPart: string; publiclyVisible: boolean }[];
  dealerAreas: readonly string[];
  options: Readonly<Record<OptionTarget, readonly OptionSpec[]>>;
  /** What volunteers say they cannot miss. */
  highlightEvents: readonly string[];
}

const SHIRT_SIZES = ['XS', 'S', 'M', 'L', 'XL', '2XL', '3XL'] as const;

/** Dealer profiles ask the same in both instances; every option type appears here. */
const DEALER_PROFILE_OPTIONS: readonly OptionSpec[] = [
  { name: 'Business Legal Name', type: 'text', required: true, maxLength: 120 },
  { name: 'Business Phone Number', type: 'phone', required: true },
  { name: 'Mailing Address', type: 'address', required: false, answerRate: 0.6 },
  {
    name: 'What do you sell?',
    type: 'multi',
    required: true,
    choices: ['Prints', 'Original art', 'Plush', 'Apparel', 'Jewelry', 'Books & comics', 'Stickers', 'Accessories'],
  },
  { name: 'Years in business', type: 'number', required: false, minValue: 0, maxValue: 60, answerRate: 0.8 },
  {
    name: 'Sales tax registration',
    type: 'select',
    required: true,
    choices: ['Registered', 'Applied', 'Not required'],
  },
];

export const DEMO_INSTANCES: readonly DemoInstanceDefinition[] = [
  {
    slug: 'furfest',
    name: 'Lakeshore FurFest',
    orgDomain: 'furfest.example.org',
    emailDomains: ['example.com', 'example.net', 'example.org', 'mail.example.com'],
    conventionName: 'Lakeshore FurFest',
    conventionSlugPrefix: 'lff',
    daysUntilConvention: 120,
    conventionDays: 4,
    pastConventions: 1,
    users: 'requested',
    admin: { username: 'admin', firstName: 'Morgan', lastName: 'Reyes' },
    badgeLevels: [
      { name: 'Attendee', displayName: null, priceCents: 6500, weight: 60 },
      { name: 'Sponsor', displayName: 'Sponsor (with sponsor lounge)', priceCents: 15000, weight: 22 },
      { name: 'Super Sponsor', displayName: null, priceCents: 30000, weight: 8 },
      { name: 'Patron', displayName: null, priceCents: 60000, weight: 2 },
      { name: 'Single Day', displayName: 'Single Day (Saturday)', priceCents: 4000, weight: 8 },
    ],
    tableTypes: [
      { name: 'halftable', displayName: 'Half Table', priceCents: 9000, weight: 30 },
      { name: 'table', displayName: 'Full Table', priceCents: 16000, weight: 45 },
      { name: 'largetable', displayName: 'Large Table', priceCents: 25000, weight: 20 },
      { name: 'booth', displayName: 'Booth (10×10)', priceCents: 45000, weight: 5 },
    ],
    addons: [
      { name: 'wifi', displayName: 'Wi-Fi', priceCents: 2500, weight: 1 },
      { name: 'power', displayName: 'Power outlet', priceCents: 3500, weight: 1 },
      { name: 'extrabadge', displayName: 'Extra assistant badge', priceCents: 6500, weight: 1 },
      { name: 'chair', displayName: 'Extra chair', priceCents: 500, weight: 1 },
    ],
    flags: [
      { shortName: 'fursuits', name: 'Fursuiter', share: 0.22 },
      { shortName: 'photographer', name: 'Registered photographer', share: 0.04 },
      { shortName: 'accessibility', name: 'Accessibility assistance', share: 0.05 },
      { shortName: 'sponsor-dinner', name: 'Sponsor dinner guest', share: 0.06 },
    ],
    badgeArts: ['Aurora Fox', 'Lake Serpent', 'Northern Lights', 'Classic Paw'],
    departments: [
      { name: 'Registration', emailLocalPart: 'registration', publiclyVisible: true },
      { name: 'Information Technology', emailLocalPart: 'it', publiclyVisible: true },
      { name: 'Security', emailLocalPart: 'security', publiclyVisible: false },
      { name: 'Con Ops', emailLocalPart: 'conops', publiclyVisible: true },
      { name: 'Fursuit Lounge', emailLocalPart: 'fursuit', publiclyVisible: true },
      { name: 'Art Show', emailLocalPart: 'artshow', publiclyVisible: true },
      { name: 'Dealers Den', emailLocalPart: 'dealers', publiclyVisible: true },
      { name: 'Programming', emailLocalPart: 'programming', publiclyVisible: true },
      { name: 'Hospitality', emailLocalPart: 'hospitality', publiclyVisible: false },
      { name: 'Charity', emailLocalPart: 'charity', publiclyVisible: true },
    ],
    dealerAreas: ['Dealers Den', 'Artist Alley', 'Marketplace Annex'],
    options: {
      registration: [
        { name: 'Shirt Size', type: 'select', required: true, choices: SHIRT_SIZES },
        {
          name: 'Species',
          type: 'text',
          required: false,
          maxLength: 60,
          answerRate: 0.85,
          answers: [
            'Red Fox',
            'Arctic Fox',
            'Wolf',
            'Mega Bunny',
            'Dragon',
            'Snow Leopard',
            'Raccoon',
            'Otter',
            'Husky',
            'Protogen',
            'Gryphon',
            'Skunk',
            'Hyena',
            'Bat',
            'Deer',
          ],
        },
        {
          name: 'Dietary Needs',
          type: 'multi',
          required: false,
          answerRate: 0.3,
          choices: ['Vegetarian', 'Vegan', 'Gluten-free', 'Halal', 'Kosher', 'Nut allergy'],
        },
        { name: 'Nights at the Hotel', type: 'number', required: false, minValue: 0, maxValue: 5, answerRate: 0.7 },
      ],
      volunteer: [
        { name: 'Volunteer Shirt Size', type: 'select', required: true, choices: SHIRT_SIZES },
        { name: 'Hours You Can Work', type: 'number', required: true, minValue: 4, maxValue: 40 },
        {
          name: 'Skills',
          type: 'multi',
          required: false,
          answerRate: 0.8,
          choices: [
            'Customer service',
            'Cash handling',
            'Networking',
            'First aid',
            'Heavy lifting',
            'Photography',
            'Sign language',
          ],
        },
        {
          name: 'Languages Spoken',
          type: 'text',
          required: false,
          maxLength: 100,
          answerRate: 0.5,
          answers: [
            'English',
            'English, Spanish',
            'English, French',
            'English, German',
            'English, ASL',
            'English, Japanese',
          ],
        },
      ],
      dealer: DEALER_PROFILE_OPTIONS,
      dealer_application: [
        {
          name: 'Table Assistant Name',
          type: 'text',
          required: false,
          maxLength: 80,
          answerRate: 0.5,
          answers: ['Sam Lee', 'Jordan Kim', 'Riley Hayes', 'Alex Chen', 'Casey Ortiz'],
        },
        {
          name: 'Power Needed',
          type: 'select',
          required: true,
          choices: ['No', 'Yes, one outlet', 'Yes, two or more outlets'],
        },
        {
          name: 'Product Categories',
          type: 'multi',
          required: true,
          choices: ['Art', 'Crafts', 'Fursuit parts', 'Adult (18+)', 'Books'],
        },
        { name: 'Number of Assistants', type: 'number', required: true, minValue: 0, maxValue: 2 },
      ],
    },
    highlightEvents: [
      'Fursuit Parade',
      'Dance Competition',
      'Opening Ceremonies',
      'Charity Auction',
      'Art Show Auction',
    ],
  },
  {
    slug: 'animecon',
    name: 'Harborview Anime Con',
    orgDomain: 'animecon.example.org',
    emailDomains: ['example.com', 'example.net', 'example.org'],
    conventionName: 'Harborview Anime Con',
    conventionSlugPrefix: 'hac',
    daysUntilConvention: 200,
    conventionDays: 3,
    pastConventions: 0,
    users: 60,
    admin: { username: 'admin', firstName: 'Hana', lastName: 'Okafor' },
    badgeLevels: [
      { name: 'Weekend', displayName: 'Weekend Pass', priceCents: 7500, weight: 70 },
      { name: 'Saturday', displayName: 'Saturday Only', priceCents: 4500, weight: 15 },
      { name: 'VIP', displayName: 'VIP Pass', priceCents: 20000, weight: 10 },
      { name: 'Child', displayName: 'Child (6–12)', priceCents: 2500, weight: 5 },
    ],
    tableTypes: [
      { name: 'alleytable', displayName: 'Artist Alley Table', priceCents: 12000, weight: 60 },
      { name: 'exhibitbooth', displayName: 'Exhibit Hall Booth', priceCents: 40000, weight: 40 },
    ],
    addons: [
      { name: 'power', displayName: 'Power outlet', priceCents: 4000, weight: 1 },
      { name: 'extrabadge', displayName: 'Extra exhibitor badge', priceCents: 7500, weight: 1 },
    ],
    flags: [
      { shortName: 'cosplay', name: 'Cosplay Contest Entrant', share: 0.15 },
      { shortName: 'press', name: 'Press', share: 0.03 },
    ],
    badgeArts: ['Harbor Sunset', 'Mecha Gull'],
    departments: [
      { name: 'Registration', emailLocalPart: 'registration', publiclyVisible: true },
      { name: 'Cosplay Contest', emailLocalPart: 'cosplay', publiclyVisible: true },
      { name: 'Gaming', emailLocalPart: 'gaming', publiclyVisible: true },
      { name: 'Panels', emailLocalPart: 'panels', publiclyVisible: true },
    ],
    dealerAreas: ['Exhibit Hall', 'Artist Alley'],
    options: {
      registration: [
        { name: 'Shirt Size', type: 'select', required: false, answerRate: 0.6, choices: SHIRT_SIZES },
        {
          name: 'Favorite Series',
          type: 'text',
          required: false,
          maxLength: 80,
          answerRate: 0.7,
          answers: [
            'Frieren',
            'One Piece',
            'Spy x Family',
            'Mob Psycho 100',
            'Cowboy Bebop',
            'Haikyu!!',
            'Sailor Moon',
            'Dungeon Meshi',
          ],
        },
        {
          name: 'Panels of Interest',
          type: 'multi',
          required: false,
          answerRate: 0.5,
          choices: ['Voice actors', 'Industry', 'Cosplay craft', 'Fan panels', 'Music'],
        },
        { name: 'Days Attending', type: 'number', required: true, minValue: 1, maxValue: 3 },
      ],
      volunteer: [
        {
          name: 'Shift Preference',
          type: 'select',
          required: true,
          choices: ['Mornings', 'Afternoons', 'Evenings', 'Any'],
        },
        { name: 'Hours You Can Work', type: 'number', required: true, minValue: 4, maxValue: 24 },
        {
          name: 'Skills',
          type: 'multi',
          required: false,
          answerRate: 0.7,
          choices: ['Customer service', 'Stage crew', 'Tech support', 'Translation'],
        },
        {
          name: 'Anything We Should Know',
          type: 'text',
          required: false,
          maxLength: 200,
          answerRate: 0.3,
          answers: ['Need to leave early Sunday', 'Can bring my own radio', 'Prefer indoor posts'],
        },
      ],
      dealer: DEALER_PROFILE_OPTIONS,
      dealer_application: [
        { name: 'Power Needed', type: 'select', required: true, choices: ['No', 'Yes'] },
        { name: 'Fan Art Share', type: 'number', required: true, minValue: 0, maxValue: 100 },
        {
          name: 'Product Categories',
          type: 'multi',
          required: true,
          choices: ['Prints', 'Charms', 'Plush', 'Imports'],
        },
        {
          name: 'Booth Neighbors Requested',
          type: 'text',
          required: false,
          answerRate: 0.3,
          maxLength: 120,
          answers: ['Next to Pixel Paws Prints', 'Near the entrance please', 'Anywhere with light'],
        },
      ],
    },
    highlightEvents: ['Cosplay Contest', 'AMV Showcase', 'Rave', 'Voice Actor Q&A'],
  },
];
