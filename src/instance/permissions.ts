/**
 * The permissions a role can carry inside an instance. Roles (per org) hold them through
 * role_permissions; a user holds the union of their roles' permissions, which
 * `/api/users/current` reports as `permissions`.
 */
export const INSTANCE_PERMISSIONS = [
  {
    name: 'admin',
    description: 'Administrator: may grant apps the administrative admin:* scopes when signing in to them',
  },
  {
    name: 'oauth:manage',
    description: "Manage integrations in Housekeeping: their permissions, webhooks, and the organization's own apps",
  },
  { name: 'audit:read', description: "Read the instance's audit log" },
  { name: 'user:roles:manage', description: 'Give roles to users and take them away' },
  { name: 'registration:manage', description: 'View and change attendee registrations' },
  { name: 'volunteer:manage', description: 'View volunteer applications and assign volunteers to departments' },
  { name: 'dealer:manage', description: 'Review dealer applications and assign tables' },
] as const satisfies readonly { name: string; description: string }[];

export type InstancePermission = (typeof INSTANCE_PERMISSIONS)[number]['name'];

const PERMISSION_NAMES: ReadonlySet<string> = new Set(INSTANCE_PERMISSIONS.map((p) => p.name));

/** Whether a stored or submitted name is a permission of the catalog. */
export function isInstancePermission(name: string): name is InstancePermission {
  return PERMISSION_NAMES.has(name);
}
