/**
 * OpenID Connect claims of an instance's user (userinfo, and ID tokens when asked). The provider
 * hands out only the claims of the scopes the user granted (`claims` in provider-config.ts):
 * `profile` → names, username, picture, updated_at; `email` → email, email_verified.
 */
import type { Kysely } from 'kysely';
import type { AccountClaims } from 'oidc-provider';
import type { Schema } from '../db/schema.js';
import { findUserProfile, type UserProfile } from '../instance/user-profile.js';

/** The claim names each OIDC scope releases. `openid` gives `sub` only. */
export const OIDC_SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'nickname', 'preferred_username', 'picture', 'updated_at'],
  email: ['email', 'email_verified'],
} as const;

/**
 * Every claim of the user; unset values are left out (OIDC Core 5.3.2). `name` is what the
 * user wants to be called: their preferred name when they set one, else the legal name.
 */
export function oidcClaimsOf(profile: UserProfile): AccountClaims {
  const legalName = `${profile.firstName} ${profile.lastName}`.trim();
  const claims: AccountClaims = {
    sub: String(profile.id),
    name: profile.preferredName ?? legalName,
    given_name: profile.firstName,
    family_name: profile.lastName,
    preferred_username: profile.username,
    updated_at: Math.floor(Date.parse(profile.updatedAt) / 1000),
    email: profile.email,
    email_verified: profile.emailVerified,
  };
  if (profile.preferredName !== null) claims.nickname = profile.preferredName;
  if (profile.profilePictureUrl !== null) claims.picture = profile.profilePictureUrl;
  return claims;
}

/** A `sub` as we issue it: a user id (decimal digits, a safe integer), else null. */
function userIdOf(sub: string): number | null {
  if (!/^[1-9]\d{0,14}$/.test(sub)) return null;
  const id = Number(sub);
  return Number.isSafeInteger(id) ? id : null;
}

/** The claims of `sub` in one instance; undefined for anyone else, users of other instances included. */
export async function findAccountClaims(db: Kysely<Schema>, orgId: number, sub: string): Promise<AccountClaims | undefined> {
  const userId = userIdOf(sub);
  if (userId === null) return undefined;
  const profile = await findUserProfile(db, orgId, userId);
  return profile === undefined ? undefined : oidcClaimsOf(profile);
}
