import type { ServiceScope } from '../oauth/scopes.js';

/**
 * The catalog of domain events: ConCat's seven webhook events (reference §9, with its names and
 * payloads), the role changes this platform adds, and the lifecycle of the integration itself.
 * Each names the scope that reads its data, so a subscriber only ever receives what its
 * integration may already read through the API. Lifecycle events carry no instance data: no scope
 * gates them, and they go only to the endpoints of the integration they concern (fan-out.ts).
 */
export interface EventTypeDefinition<Name extends string = string> {
  name: Name;
  /** The scope that reads the data; null for an integration's lifecycle events. */
  scope: ServiceScope | null;
  description: string;
}

export const EVENT_TYPES = [
  { name: 'registration-updated', scope: 'registration:read', description: 'An attendee registration was created or changed.' },
  { name: 'user-updated', scope: 'user:read', description: "A user's profile was created or changed." },
  { name: 'volunteer-submitted', scope: 'volunteer:read', description: 'A user applied to volunteer.' },
  { name: 'volunteer-updated', scope: 'volunteer:read', description: 'A volunteer application was changed.' },
  { name: 'volunteer-assigned', scope: 'volunteer:read', description: 'A volunteer was assigned to a department.' },
  { name: 'volunteer-unassigned', scope: 'volunteer:read', description: 'A volunteer was removed from a department.' },
  { name: 'volunteer-deleted', scope: 'volunteer:read', description: 'A volunteer application was withdrawn or deleted.' },
  { name: 'role-assigned', scope: 'user:read', description: 'A user was given a role, globally or for the current convention.' },
  { name: 'role-unassigned', scope: 'user:read', description: 'A role was taken away from a user.' },
  { name: 'integration-created', scope: null, description: 'The app was integrated in this instance (or integrated again after a removal).' },
  { name: 'integration-permissions-changed', scope: null, description: "The integration's permissions or sign-in setting were changed." },
  { name: 'integration-removed', scope: null, description: 'The integration was removed from this instance: its tokens no longer work and no further events are sent.' },
  { name: 'app-revoked', scope: null, description: "The platform revoked the app's credentials: its integration's tokens no longer work." },
] as const satisfies readonly EventTypeDefinition[];

export type EventType = (typeof EVENT_TYPES)[number]['name'];

/** The catalog entry of an event type named by stored text, or undefined for a name it does not hold. */
export function findEventType(name: string): EventTypeDefinition<EventType> | undefined {
  return EVENT_TYPES.find((t) => t.name === name);
}
