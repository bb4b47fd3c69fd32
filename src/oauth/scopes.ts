/**
 * The scope catalog: ConCat's scopes page, plus `vendor:read` (the dealers endpoint requires it
 * but the page omits it), this platform's write scopes (`user:roles:update`, `registration:update`,
 * `volunteer:update`: extensions ConCat does not document) and the OpenID Connect sign-in scopes.
 * Descriptions are written for the consent page and Housekeeping: what the app will be able to
 * do, in plain words.
 */
import type { InstancePermission } from '../instance/permissions.js';

export interface ScopeDefinition<Name extends string = string> {
  name: Name;
  description: string;
  /**
   * Reaches administrative endpoints or other users' data. The consent page shows it in red with
   * "This is an administrative permission"; only users holding `requiredPermission` may grant it.
   */
  administrative: boolean;
  requiredPermission: InstancePermission | null;
}

function scope<const Name extends string>(name: Name, description: string): ScopeDefinition<Name> {
  return { name, description, administrative: false, requiredPermission: null };
}

function administrativeScope<const Name extends string>(
  name: Name,
  description: string,
  requiredPermission: InstancePermission,
): ScopeDefinition<Name> {
  return { name, description, administrative: true, requiredPermission };
}

/** Granted by an org admin to an integration; used with the client-credentials grant. */
export const SERVICE_SCOPES = [
  scope('user:read', "Read users' profiles and their roles"),
  scope('user:roles:update', 'Give roles to users and take them away'),
  scope('registration:read', 'Read attendee registrations'),
  scope('registration:update', 'Change attendee registrations: status, badge name and flags'),
  scope('volunteer:read', 'Read volunteer applications and departments'),
  scope('volunteer:update', 'Assign volunteers to departments and remove them'),
  scope('vendor:read', 'Read dealer profiles and their applications'),
] as const;

/** Granted by a user on the consent page (on behalf of that user); read-only. */
export const OBO_SCOPES = [
  scope(
    'pii:basic',
    'See your name, username, date of birth, profile picture, volunteer status, roles and permissions',
  ),
  scope('pii:email', 'See your email address'),
  scope('pii:phone', 'See your phone number'),
  scope('pii:address', 'See your postal address'),
  scope('pii:finance:read', 'See your order history'),
  scope('con:read', 'See your registration for the convention'),
  administrativeScope('admin:ticket:read', "Read every attendee's ticket", 'admin'),
  administrativeScope('admin:ticket:scan', 'Mark tickets as scanned at the door', 'admin'),
] as const;

/** OpenID Connect sign-in scopes, also granted on the consent page. */
export const OIDC_SCOPES = [
  scope('openid', 'Sign you in with your account here'),
  scope('profile', 'See your name, username and profile picture'),
  scope('email', 'See your email address and whether it is verified'),
] as const;

export type ServiceScope = (typeof SERVICE_SCOPES)[number]['name'];
export type OboScope = (typeof OBO_SCOPES)[number]['name'];
export type OidcScope = (typeof OIDC_SCOPES)[number]['name'];
/** A scope a user can grant on the consent page. */
export type UserGrantedScope = OboScope | OidcScope;
export type Scope = ServiceScope | UserGrantedScope;

export const SERVICE_SCOPE_NAMES: readonly ServiceScope[] = SERVICE_SCOPES.map((s) => s.name);

const CATALOG: ReadonlyMap<string, ScopeDefinition<Scope>> = new Map(
  [...SERVICE_SCOPES, ...OBO_SCOPES, ...OIDC_SCOPES].map((s) => [s.name, s]),
);

/** The definition of a scope name, or undefined for a name the platform does not know. */
export function findScope(name: string): ScopeDefinition<Scope> | undefined {
  return CATALOG.get(name);
}

export function isServiceScope(name: string): name is ServiceScope {
  return SERVICE_SCOPES.some((s) => s.name === name);
}

export function isUserGrantedScope(name: string): name is UserGrantedScope {
  return OBO_SCOPES.some((s) => s.name === name) || OIDC_SCOPES.some((s) => s.name === name);
}
