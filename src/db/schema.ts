import type { ColumnType, Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Timestamps are ISO-8601 UTC text; dates ('YYYY-MM-DD') are text;
 * booleans are 0/1 integers; JSON columns are text. Keep in step with migrations/.
 *
 * Instance tables all carry org_id, and every reference between two of them is a composite
 * (org_id, x_id) foreign key, so a row can never point into another instance.
 */
export interface Schema {
  orgs: OrgsTable;
  org_base_urls: OrgBaseUrlsTable;

  conventions: ConventionsTable;
  users: UsersTable;
  roles: RolesTable;
  role_permissions: RolePermissionsTable;
  user_roles: UserRolesTable;
  products: ProductsTable;
  flags: FlagsTable;
  badge_arts: BadgeArtsTable;
  option_definitions: OptionDefinitionsTable;
  registrations: RegistrationsTable;
  registration_flags: RegistrationFlagsTable;
  departments: DepartmentsTable;
  department_leads: DepartmentLeadsTable;
  volunteers: VolunteersTable;
  volunteer_contact_methods: VolunteerContactMethodsTable;
  volunteer_departments: VolunteerDepartmentsTable;
  dealers: DealersTable;
  dealer_areas: DealerAreasTable;
  dealer_applications: DealerApplicationsTable;
  dealer_application_request_types: DealerApplicationRequestTypesTable;

  operators: OperatorsTable;
  developers: DevelopersTable;
  invitations: InvitationsTable;
  apps: AppsTable;
  app_secrets: AppSecretsTable;
  integrations: IntegrationsTable;
  audit_log: AuditLogTable;

  web_sessions: WebSessionsTable;
  login_throttle: LoginThrottleTable;
  mail_messages: MailMessagesTable;

  oauth_records: OauthRecordsTable;
  oauth_signing_keys: OauthSigningKeysTable;

  rate_limit_counters: RateLimitCountersTable;

  usage_requests: UsageRequestsTable;
  usage_latency: UsageLatencyTable;
  usage_tokens: UsageTokensTable;
  app_activity: AppActivityTable;

  events: EventsTable;
  email_verifications: EmailVerificationsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_signing_keys: WebhookSigningKeysTable;

  app_revocations: AppRevocationsTable;
  deletion_duties: DeletionDutiesTable;
  revocation_notices: RevocationNoticesTable;
  reactivation_requests: ReactivationRequestsTable;
  job_leases: JobLeasesTable;
}

// ---------------------------------------------------------------------------------------------
// Tenancy

export interface OrgsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  created_at: string;
  /**
   * A random UUID naming the organization outside this platform: the `organizationId` of the
   * `user-updated` webhook. Required on insert; the column's '' default only exists because
   * SQLite cannot add a NOT NULL column without one.
   */
  uuid: string;
}

export interface OrgBaseUrlsTable {
  id: Generated<number>;
  org_id: number;
  /** Lower-case host[:port], or '' for the platform host. */
  host: string;
  /** '' or a prefix such as '/o/demo' (leading slash, no trailing slash). */
  path_prefix: string;
  is_primary: number;
}

// ---------------------------------------------------------------------------------------------
// Instance data

export interface ConventionsTable {
  id: Generated<number>;
  org_id: number;
  name: string;
  slug: string;
  /** 'YYYY-MM-DD' */
  starts_on: string;
  /** 'YYYY-MM-DD' */
  ends_on: string;
  /** At most one convention per org is current (partial unique index). */
  is_current: number;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: Generated<number>;
  org_id: number;
  username: string;
  /** Lower-cased username; unique per org. */
  username_normalized: string;
  /** Legal first name. */
  first_name: string;
  /** Legal last name. */
  last_name: string;
  preferred_name: string | null;
  email: string;
  /** Lower-cased email; unique per org. */
  email_normalized: string;
  email_verified: number;
  /** E.164, e.g. '+15555550123'. */
  phone: string | null;
  /** The address fields are null when the instance does not require PII to register. */
  address_line1: string | null;
  address_line2: string | null;
  address_city: string | null;
  address_state: string | null;
  address_zipcode: string | null;
  /** ISO 3166-1 alpha-2. */
  address_country: string | null;
  /** 'YYYY-MM-DD' */
  born_at: string | null;
  identity_verified: number;
  newsletter: number;
  profile_picture_url: string | null;
  /** argon2id PHC string; null for a user who cannot log in with a password. */
  password_hash: string | null;
  /** JSON object: service name → account identifier, e.g. {"twitter":"@kit"}. */
  social_links: string;
  created_at: string;
  updated_at: string;
}

export interface RolesTable {
  id: Generated<number>;
  org_id: number;
  /** Unique per org. */
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface RolePermissionsTable {
  org_id: number;
  role_id: number;
  /** A name from src/instance/permissions.ts. */
  permission: string;
}

export type RoleScope = 'convention' | 'global';

export interface UserRolesTable {
  id: Generated<number>;
  org_id: number;
  user_id: number;
  role_id: number;
  scope: RoleScope;
  /** The convention a 'convention' assignment is for; null for 'global'. */
  convention_id: number | null;
  /** 'global', or the convention id as text: makes (user, role, scope) unique without relying on NULL. */
  scope_key: string;
  created_at: string;
}

export type ProductKind = 'registration' | 'dealer_table' | 'dealer_addon';

export interface ProductsTable {
  id: Generated<number>;
  org_id: number;
  convention_id: number;
  kind: ProductKind;
  /** Short machine-ish name ('largetable'); unique per convention. */
  name: string;
  /** What users see ('Large Table'), when it differs from name. */
  display_name: string | null;
  price_cents: number;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

export interface FlagsTable {
  id: Generated<number>;
  org_id: number;
  /** Unique per org, e.g. 'fursuits'. */
  short_name: string;
  name: string;
  created_at: string;
}

/** The badge artwork a registration chose: `badgeArtId` of the `registration-updated` webhook. */
export interface BadgeArtsTable {
  id: Generated<number>;
  org_id: number;
  convention_id: number;
  name: string;
  image_url: string | null;
  created_at: string;
}

export type OptionTarget = 'registration' | 'volunteer' | 'dealer' | 'dealer_application';
export type OptionType = 'select' | 'multi' | 'text' | 'number' | 'phone' | 'address';

/** A question an event asks on a form; answers live in the option_values JSON of the target row. */
export interface OptionDefinitionsTable {
  id: Generated<number>;
  org_id: number;
  /** Null for dealer-profile questions: dealer profiles belong to the org, not to one convention. */
  convention_id: number | null;
  target: OptionTarget;
  name: string;
  type: OptionType;
  /** JSON array of strings: the choices of a 'select' or 'multi' option; [] otherwise. */
  choices: string;
  required: number;
  /** Bounds of a 'number' option. */
  min_value: number | null;
  max_value: number | null;
  /** Longest accepted answer of a 'text' option. */
  max_length: number | null;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

export type RegistrationStatus = 'paid' | 'unpaid' | 'cancelled' | 'refunded';

export interface RegistrationsTable {
  id: Generated<number>;
  org_id: number;
  convention_id: number;
  user_id: number;
  /** The badge level bought or intended (kind 'registration'): the webhook's `attendanceTypeId`. */
  product_id: number;
  badge_name: string;
  status: RegistrationStatus;
  badge_art_id: number | null;
  /**
   * JSON object keyed by option definition id (as text): a number, a string, or an array of
   * strings ('multi', and 'address' as its lines).
   */
  option_values: string;
  /**
   * Incremented by every change (0010): the registration's ETag, so a write conditioned on the
   * version a client read fails instead of overwriting a change it never saw.
   */
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface RegistrationFlagsTable {
  org_id: number;
  registration_id: number;
  flag_id: number;
}

export interface DepartmentsTable {
  id: Generated<number>;
  org_id: number;
  name: string;
  /** Contact address of the department's leads. */
  email: string;
  /** Visible to everyone applying to volunteer. */
  publicly_visible: number;
  created_at: string;
  updated_at: string;
}

export interface DepartmentLeadsTable {
  org_id: number;
  department_id: number;
  user_id: number;
  created_at: string;
}

export interface VolunteersTable {
  id: Generated<number>;
  org_id: number;
  convention_id: number;
  user_id: number;
  /** JSON object keyed by option definition id, as on registrations. */
  option_values: string;
  available_before_con: number;
  anything_else: string | null;
  previous_con_experience: string | null;
  previous_other_experience: string | null;
  events_can_not_miss: string | null;
  created_at: string;
  updated_at: string;
}

export interface VolunteerContactMethodsTable {
  org_id: number;
  volunteer_id: number;
  /** e.g. 'email', 'discord'; one value per name. */
  name: string;
  value: string;
  /** At most one primary per volunteer (partial unique index). */
  is_primary: number;
}

export type VolunteerDepartmentState = 'experience' | 'interest' | 'avoid' | 'assignment' | 'request';

/** One row per state a volunteer holds towards a department. */
export interface VolunteerDepartmentsTable {
  org_id: number;
  volunteer_id: number;
  department_id: number;
  state: VolunteerDepartmentState;
  created_at: string;
}

/** A business profile a user keeps across the org's conventions. */
export interface DealersTable {
  id: Generated<number>;
  org_id: number;
  /** One dealer profile per user and org. */
  user_id: number;
  /** Business name. */
  name: string;
  /** Business email. */
  email: string | null;
  address_line1: string;
  address_line2: string | null;
  address_city: string;
  address_state: string;
  address_zipcode: string;
  /** ISO 3166-1 alpha-2. */
  address_country: string;
  /** JSON object keyed by option definition id; dealer options may also be 'phone' or 'address'. */
  option_values: string;
  created_at: string;
  updated_at: string;
}

export interface DealerAreasTable {
  id: Generated<number>;
  org_id: number;
  convention_id: number;
  name: string;
  created_at: string;
}

export type DealerApplicationStatus = 'pending' | 'approved' | 'rejected' | 'waitlisted' | 'cancelled';

export interface DealerApplicationsTable {
  id: Generated<number>;
  org_id: number;
  convention_id: number;
  dealer_id: number;
  status: DealerApplicationStatus;
  special_requests: string | null;
  table_number: string | null;
  /** A product of kind 'dealer_table'. */
  table_type_product_id: number;
  table_type_paid: number;
  dealer_area_id: number | null;
  /** JSON object keyed by option definition id. */
  option_values: string;
  created_at: string;
  updated_at: string;
}

/** The add-ons (products of kind 'dealer_addon') an application asks for: `dealerRequestTypes`. */
export interface DealerApplicationRequestTypesTable {
  org_id: number;
  application_id: number;
  product_id: number;
  paid: number;
}

// ---------------------------------------------------------------------------------------------
// Platform (not part of any instance)

/** Platform staff. Emails are stored lower-cased. */
export interface OperatorsTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
  disabled_at: string | null;
}

/** A member of the developer program. Emails are stored lower-cased. */
export interface DevelopersTable {
  id: Generated<number>;
  email: string;
  name: string;
  company_name: string;
  company_website: string | null;
  contact_info: string;
  /** Null until the developer has set a password. */
  password_hash: string | null;
  created_at: string;
  updated_at: string;
}

export interface InvitationsTable {
  id: Generated<number>;
  /** Lower-cased. */
  email: string;
  note: string;
  /** SHA-256 hex of the invitation token, which is shown once and never stored. */
  token_hash: string;
  created_by_operator_id: number;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  withdrawn_at: string | null;
}

export type AppStatus = 'applied' | 'needs_info' | 'approved' | 'rejected' | 'revoked';

/** An application: a developer's (developer_id) or an organization's own (owner_org_id). */
export interface AppsTable {
  id: Generated<number>;
  /** The numeric API ID apps send as client_id. */
  client_id: number;
  developer_id: number | null;
  owner_org_id: number | null;
  display_name: string;
  /** The short description of the use case, shown on the consent page. */
  description: string;
  /** Free text from the application: the event customers the developer works with or wants to. */
  interested_event_customers: string;
  homepage_url: string | null;
  privacy_url: string | null;
  logo_url: string | null;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  require_pkce: number;
  status: AppStatus;
  /** The reviewer's message to the developer (what information is needed, why rejected); '' if none. */
  review_note: string;
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
  revoke_reason: string | null;
  /** When the app last became approved (approval or reactivation); the idle clock starts here at the latest (0017). */
  activated_at: string | null;
}

export interface AppSecretsTable {
  id: Generated<number>;
  app_id: number;
  /** SHA-256 hex of the secret, which is shown once and never stored. */
  secret_hash: string;
  /** The secret's last 4 characters, to tell secrets apart in lists. */
  hint: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export type IntegrationStatus = 'active' | 'suspended' | 'removed';

/** An app installed in one instance by an org admin, with the service scopes granted to it. */
export interface IntegrationsTable {
  id: Generated<number>;
  org_id: number;
  app_id: number;
  /** JSON array of service scope names. */
  scopes: string;
  /** Whether the instance's users may sign in to the app (OBO). */
  obo_enabled: number;
  status: IntegrationStatus;
  /** The org admin who created it; not a foreign key, so the record survives the user's deletion. */
  created_by_user_id: number | null;
  created_at: string;
  updated_at: string;
}

/** 'cli' is an administrator acting through the command line on the server itself. */
export type AuditActorType = 'system' | 'cli' | 'operator' | 'developer' | 'user' | 'app';

/** Append-only. Rows outlive what they describe, so org_id and the ids are not foreign keys. */
export interface AuditLogTable {
  id: Generated<number>;
  /** The instance the act happened in; null for platform acts. */
  org_id: number | null;
  actor_type: AuditActorType;
  /** The actor's id as text; null for the system. */
  actor_id: string | null;
  /** Dotted, past tense: 'app.approved', 'integration.created'. */
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** JSON object. */
  details: string;
  ip: string | null;
  created_at: string;
}

// ---------------------------------------------------------------------------------------------
// Browser sessions, sign-in throttling, mail (0002)

export interface WebSessionsTable {
  id: Generated<number>;
  /** SHA-256 hex of the cookie's token. */
  token_hash: string;
  kind: 'operator' | 'developer' | 'user';
  subject_id: number;
  /** 0 for platform sessions; the instance for user sessions. */
  org_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  idle_expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginThrottleTable {
  /** e.g. 'operator:account:ops@example.org' or 'operator:address:203.0.113.7'. */
  key: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
}

export type MailStatus = 'queued' | 'sent' | 'failed';

export interface MailMessagesTable {
  id: Generated<number>;
  /** What the message is about, e.g. 'invitation', 'application.approved'. */
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: MailStatus;
  attempts: Generated<number>;
  next_attempt_at: string;
  leased_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

// ---------------------------------------------------------------------------------------------
// Authorization server (0003)

/** What oidc-provider stores through its adapter, one row per (instance, model, id). */
export interface OauthRecordsTable {
  org_id: number;
  /** The provider's model name: AccessToken, ClientCredentials, RefreshToken, Grant, Session… */
  model: string;
  /** SHA-256 hex of the provider's id (a bearer token's value is its id). */
  id: string;
  /** The provider's payload, JSON. */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  /** The app's client_id as the provider names it (decimal text). */
  client_id: string | null;
  /** The user id (decimal text) for user-bound records. */
  account_id: string | null;
  /** Null: no expiry. Rows past it are ignored and pruned. */
  expires_at: string | null;
  consumed_at: string | null;
  created_at: string;
}

/** An instance's token-signing keys (ES256). */
export interface OauthSigningKeysTable {
  org_id: number;
  kid: string;
  alg: string;
  /** Public JWK, JSON. */
  public_jwk: string;
  /** Private JWK encrypted with the data directory's key file (see src/oauth/signing-keys.ts). */
  private_jwk_encrypted: string;
  created_at: string;
  /** Set when a newer key replaced it; retired keys are not published or used. */
  retired_at: string | null;
}

// ---------------------------------------------------------------------------------------------
// Usage statistics and activity (0005)

/** '2xx' … '5xx'. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';

/** Responses per app, instance, UTC day ('YYYY-MM-DD'), endpoint and status class. */
export interface UsageRequestsTable {
  app_id: number;
  org_id: number;
  day: string;
  /** Method and route template, e.g. 'GET /api/v0/users/{userId}'. */
  endpoint: string;
  status_class: StatusClass;
  responses: number;
  /** Of those, answered 429. */
  rate_limited: number;
}

/** Responses per latency bin (src/usage/latency-histogram.ts), per app, instance, day and endpoint. */
export interface UsageLatencyTable {
  app_id: number;
  org_id: number;
  day: string;
  endpoint: string;
  bin: number;
  responses: number;
}

/** Access tokens issued per app, instance and day. */
export interface UsageTokensTable {
  app_id: number;
  org_id: number;
  day: string;
  tokens_issued: number;
}

/** When the app was last active in the instance: a token issued or an authenticated API call. */
export interface AppActivityTable {
  app_id: number;
  org_id: number;
  last_active_at: string;
}

// ---------------------------------------------------------------------------------------------
// Rate limits (0006)

/** The count of one rate-limit bucket in its current fixed window, shared by every process. */
export interface RateLimitCountersTable {
  key: string;
  window_started_at: string;
  hits: number;
  /** The window's end; rows past it are pruned. */
  expires_at: string;
}

// ---------------------------------------------------------------------------------------------
// Domain events (0009)

/**
 * One committed change of an instance's data, recorded in the change's transaction
 * (src/events/record-event.ts). The id is the global order. Subject ids are not foreign keys:
 * an event outlives what it describes.
 */
export interface EventsTable {
  id: Generated<number>;
  org_id: number;
  /** A name of the catalog in src/events/event-types.ts, e.g. 'role-assigned'. */
  type: string;
  /** JSON object: the payload a subscriber receives as `data`. */
  data: string;
  actor_type: AuditActorType;
  actor_id: string | null;
  /** What the event is about, e.g. 'user' and the user's id. */
  subject_type: string;
  subject_id: string;
  occurred_at: string;
}

// ---------------------------------------------------------------------------------------------
// Email verification (0011)

/** A user's pending change of email address, confirmed by the emailed link (src/instance/user-email-change.ts). */
export interface EmailVerificationsTable {
  id: Generated<number>;
  org_id: number;
  user_id: number;
  /** As the user typed it (trimmed). */
  new_email: string;
  /** SHA-256 hex of the emailed token, which is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

// ---------------------------------------------------------------------------------------------
// Webhooks (0015)

export type WebhookEndpointStatus = 'active' | 'disabled';
export type WebhookMessageStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface WebhookEndpointsTable {
  id: Generated<number>;
  org_id: number;
  integration_id: number;
  url: string;
  /** JSON array of event type names. */
  event_types: string;
  status: WebhookEndpointStatus;
  disabled_reason: string | null;
  /** The whsec_ secret, encrypted with the data directory's key (it signs, so it cannot be hashed). */
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
  /** Events up to this id have been turned into messages for the endpoint. */
  last_event_id: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookMessagesTable {
  id: Generated<number>;
  org_id: number;
  endpoint_id: number;
  /** Null for a test message. */
  event_id: number | null;
  /** Standard Webhooks `webhook-id`, stable across retries. */
  webhook_id: string;
  event_type: string;
  /** The exact body sent. */
  body: string;
  status: WebhookMessageStatus;
  attempts: number;
  next_attempt_at: string | null;
  claimed_until: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  org_id: number;
  message_id: number;
  attempted_at: string;
  status_code: number | null;
  latency_ms: number;
  response_excerpt: string;
}

/** The instance's RS256 key for the webhook `authorization` JWT (src/webhooks/webhook-key.ts). */
export interface WebhookSigningKeysTable {
  org_id: number;
  kid: string;
  /** SPKI PEM, published at `{instance}/api/webhooks/key`. */
  public_key_pem: string;
  /** Private JWK encrypted with the data directory's key file. */
  private_jwk_encrypted: string;
  created_at: string;
}

// ---------------------------------------------------------------------------------------------
// Revocation lifecycle (0017)

export type RevocationCause = 'inactivity' | 'developer' | 'operator';

/** One revocation of an app; an app revoked, reactivated and revoked again has two. */
export interface AppRevocationsTable {
  id: Generated<number>;
  app_id: number;
  cause: RevocationCause;
  /** The reason the developer was given. */
  reason: string;
  actor_type: AuditActorType;
  actor_id: string | null;
  revoked_at: string;
  /** revoked_at + 30 days. */
  deletion_due_at: string;
  /** Set when an operator approved the app's reactivation. */
  reactivated_at: string | null;
}

export type DeletionDutyStatus = 'open' | 'attested' | 'released';

/**
 * What a revocation leaves the developer to do in one instance: delete its event data. 'attested'
 * once the developer confirmed it; 'released' when the org admin re-enabled the integration after a
 * reactivation (the app may hold that instance's data again).
 */
export interface DeletionDutiesTable {
  revocation_id: number;
  org_id: number;
  app_id: number;
  status: DeletionDutyStatus;
  /** The developer's optional statement with the attestation; '' if none. */
  statement: string;
  attested_at: string | null;
  attested_by_developer_id: number | null;
  released_at: string | null;
}

/** A notice sent once per occasion; the primary key is what makes "once" hold across processes. */
export interface RevocationNoticesTable {
  app_id: number;
  /** e.g. 'inactivity-warning-30', 'deletion-reminder-7', 'deletion-overdue'. */
  kind: string;
  /** The occasion: the start of the idle period (ISO time), or the revocation id. */
  reference: string;
  sent_at: string;
}

export type ReactivationRequestStatus = 'pending' | 'approved' | 'declined';

export interface ReactivationRequestsTable {
  id: Generated<number>;
  app_id: number;
  /** The revocation the developer asks to undo. */
  revocation_id: number;
  developer_id: number | null;
  message: string;
  status: ReactivationRequestStatus;
  requested_at: string;
  decided_at: string | null;
  decided_by_operator_id: number | null;
  /** The operator's note to the developer; '' if none. */
  decision_note: string;
}

/** A scheduled job's lease: the process whose `holder` it names runs the job until `leased_until`. */
export interface JobLeasesTable {
  name: string;
  holder: string;
  leased_until: string;
}
