import type { InstancePermission } from '../instance/permissions.js';

/**
 * The scope catalog (ConCat's scopes page, plus `vendor:read`, which the dealers endpoint uses
 * but the page omits, and the OpenID Connect scopes). Descriptions are written for the consent
 * page: what the app will be able to do, in plain words.
 */
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

/** Granted by an org admin to an integration; used with the client-credentials grant. */
export const SERVICE_SCOPES = [
  { name: 'user:read', description: "Read users' profiles and their roles", administrative: false, requiredPermission: null },
  { name: 'user:roles:update', description: 'Give roles to users and take them away', administrative: false, requiredPermission: null },
  { name: 'registration:read', description: 'Read attendee registrations', administrative: false, requiredPermission: null },
  { name: 'volunteer:read', description: 'Read volunteer applications and departments', administrative: false, requiredPermission: null },
  { name: 'vendor:read', description: 'Read dealer profiles and their applications', administrative: false, requiredPermission: null },
] as const satisfies readonly ScopeDefinition[];

/** Granted by a user on the consent page (on behalf of that user); read-only. */
export const OBO_SCOPES = [
  { name: 'pii:basic', description: 'See your name, username, date of birth, roles and permissions', administrative: false, requiredPermission: null },
  { name: 'pii:email', description: 'See your email address', administrative: false, requiredPermission: null },
  { name: 'pii:phone', description: 'See your phone number', administrative: false, requiredPermission: null },
  { name: 'pii:address', description: 'See your postal address', administrative: false, requiredPermission: null },
  { name: 'pii:finance:read', description: 'See your order history', administrative: false, requiredPermission: null },
  { name: 'con:read', description: 'See your registration for the convention', administrative: false, requiredPermission: null },
  { name: 'admin:ticket:read', description: "Read every attendee's ticket", administrative: true, requiredPermission: 'admin' },
  { name: 'admin:ticket:scan', description: 'Mark tickets as scanned at the door', administrative: true, requiredPermission: 'admin' },
] as const satisfies readonly ScopeDefinition[];

/** OpenID Connect sign-in scopes, also granted on the consent page. */
export const OIDC_SCOPES = [
  { name: 'openid', description: 'Sign you in with your account here', administrative: false, requiredPermission: null },
  { name: 'profile', description: 'See your name and username', administrative: false, requiredPermission: null },
  { name: 'email', description: 'See your email address and whether it is verified', administrative: false, requiredPermission: null },
] as const satisfies readonly ScopeDefinition[];

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
  return [...OBO_SCOPES, ...OIDC_SCOPES].some((s) => s.name === name);
}
