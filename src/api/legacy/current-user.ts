/**
 * The legacy `GET /api/users/current` (reference §7): the user an on-behalf-of token acts for.
 * `pii:basic` gives the basic fields; `pii:address`, `pii:email` and `pii:phone` each add theirs.
 * A field whose scope was not granted is absent, not null, as on ConCat.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';
import { findUserProfile, userStanding, type UserProfile, type UserStanding } from '../../instance/user-profile.js';

export interface CurrentUser {
  sub: string;
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  preferredName: string | null;
  bornAt: string | null;
  newsletter: boolean;
  emailVerified: boolean;
  identityVerified: boolean;
  isVolunteer: boolean;
  isDepartmentLead: boolean;
  permissions: string[];
  profilePictureUrl: string | null;
  userRoles: { id: number; name: string }[];
  email?: string;
  phone?: string | null;
  addressLine1?: string | null;
  addressLine2?: string | null;
  addressCity?: string | null;
  addressState?: string | null;
  addressZipcode?: string | null;
  addressCountry?: string | null;
}

const nullableString = { type: ['string', 'null'] } as const;

/** The response schema: it also serializes, so every field is listed (and scoped ones are optional). */
export const currentUserSchema = {
  type: 'object',
  description: 'The signed-in user. Fields marked with a scope appear only when the token holds it.',
  required: ['sub', 'id', 'username', 'firstName', 'lastName', 'preferredName', 'bornAt', 'newsletter', 'emailVerified', 'identityVerified', 'isVolunteer', 'isDepartmentLead', 'permissions', 'profilePictureUrl', 'userRoles'],
  properties: {
    sub: { type: 'string', description: 'The user id as a string.' },
    id: { type: 'integer', description: 'The user id.' },
    username: { type: 'string' },
    firstName: { type: 'string', description: "Legal first name, as on the user's ID." },
    lastName: { type: 'string', description: 'Legal last name.' },
    preferredName: { ...nullableString, description: 'Shown first on the profile; null when the user has none.' },
    bornAt: { ...nullableString, format: 'date-time', description: 'Date of birth (ISO 8601, midnight UTC); null when unknown.' },
    newsletter: { type: 'boolean', description: 'Newsletter opt-in.' },
    emailVerified: { type: 'boolean' },
    identityVerified: { type: 'boolean' },
    isVolunteer: { type: 'boolean', description: 'Assigned to a department as a volunteer of the current convention.' },
    isDepartmentLead: { type: 'boolean' },
    permissions: { type: 'array', items: { type: 'string' }, description: "The user's permissions in this instance." },
    profilePictureUrl: { ...nullableString, description: 'A public URL; null when the user has no picture.' },
    userRoles: {
      type: 'array',
      description: 'Roles held in this organization, globally or for the current convention.',
      items: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } },
    },
    email: { type: 'string', description: 'With `pii:email`.' },
    phone: { ...nullableString, description: 'With `pii:phone`: international format (E.164), e.g. +15555555555.' },
    addressLine1: { ...nullableString, description: 'With `pii:address`.' },
    addressLine2: { ...nullableString, description: 'With `pii:address`.' },
    addressCity: { ...nullableString, description: 'With `pii:address`.' },
    addressState: { ...nullableString, description: 'With `pii:address`.' },
    addressZipcode: { ...nullableString, description: 'With `pii:address`.' },
    addressCountry: { ...nullableString, description: 'With `pii:address`: ISO 3166-1 alpha-2.' },
  },
} as const;

/** What the token may see of the user, by its scopes. */
export function currentUserBody(profile: UserProfile, standing: UserStanding, scopes: readonly string[]): CurrentUser {
  const body: CurrentUser = {
    sub: String(profile.id),
    id: profile.id,
    username: profile.username,
    firstName: profile.firstName,
    lastName: profile.lastName,
    preferredName: profile.preferredName,
    bornAt: profile.bornOn === null ? null : `${profile.bornOn}T00:00:00.000Z`,
    newsletter: profile.newsletter,
    emailVerified: profile.emailVerified,
    identityVerified: profile.identityVerified,
    isVolunteer: standing.isVolunteer,
    isDepartmentLead: standing.isDepartmentLead,
    permissions: [...standing.permissions],
    profilePictureUrl: profile.profilePictureUrl,
    userRoles: standing.roles.map((role) => ({ id: role.id, name: role.name })),
  };
  if (scopes.includes('pii:email')) body.email = profile.email;
  if (scopes.includes('pii:phone')) body.phone = profile.phone;
  if (scopes.includes('pii:address')) {
    body.addressLine1 = profile.address.line1;
    body.addressLine2 = profile.address.line2;
    body.addressCity = profile.address.city;
    body.addressState = profile.address.state;
    body.addressZipcode = profile.address.zipcode;
    body.addressCountry = profile.address.country;
  }
  return body;
}

/** The current user of an on-behalf-of token, or undefined when the instance no longer has that user. */
export async function loadCurrentUser(db: Kysely<Schema>, input: { orgId: number; userId: number; scopes: readonly string[] }): Promise<CurrentUser | undefined> {
  const profile = await findUserProfile(db, input.orgId, input.userId);
  if (profile === undefined) return undefined;
  return currentUserBody(profile, await userStanding(db, input.orgId, input.userId), input.scopes);
}
