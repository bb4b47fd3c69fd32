import { isoTimestamp } from '../clock.js';
import type { StatusClass } from '../db/schema.js';
import { statusClassOf } from './endpoint-label.js';
import { latencyBin } from './latency-histogram.js';

/**
 * What the usage recorder is told. Apps are named by their client id (the one thing both the
 * API's token check and the authorization server's events know); the writer resolves it.
 */
export type UsageEvent =
  | {
      kind: 'request';
      clientId: number;
      orgId: number;
      /** `GET /api/v0/users/{userId}` (endpoint-label.ts). */
      endpoint: string;
      status: number;
      latencyMs: number;
      /** Made with a valid token of the app: counts as activity. A token request alone does not. */
      authenticated: boolean;
    }
  | { kind: 'token-issued'; clientId: number; orgId: number }
  /** Any other sign of life (issue 8: a webhook acknowledged). */
  | { kind: 'activity'; clientId: number; orgId: number };

export interface RequestCounter {
  clientId: number;
  orgId: number;
  day: string;
  endpoint: string;
  statusClass: StatusClass;
  responses: number;
  rateLimited: number;
}

export interface LatencyCounter {
  clientId: number;
  orgId: number;
  day: string;
  endpoint: string;
  bin: number;
  responses: number;
}

export interface TokenCounter {
  clientId: number;
  orgId: number;
  day: string;
  tokensIssued: number;
}

export interface ActivityMark {
  clientId: number;
  orgId: number;
  lastActiveAt: string;
}

const SEPARATOR = '\u001f';

function keyOf(...parts: (string | number)[]): string {
  return parts.join(SEPARATOR);
}

/** The UTC day of a time, 'YYYY-MM-DD'. */
export function utcDay(at: Date): string {
  return isoTimestamp(at).slice(0, 10);
}

/**
 * Counters collected in memory between two flushes. Every counter is a sum (and activity a
 * maximum), so two batches merge by adding up: a failed flush hands its batch back this way.
 */
export class UsageBatch {
  readonly requests = new Map<string, RequestCounter>();
  readonly latency = new Map<string, LatencyCounter>();
  readonly tokens = new Map<string, TokenCounter>();
  readonly activity = new Map<string, ActivityMark>();

  get isEmpty(): boolean {
    return this.requests.size === 0 && this.tokens.size === 0 && this.activity.size === 0;
  }

  add(event: UsageEvent, at: Date): void {
    const { clientId, orgId } = event;
    const day = utcDay(at);
    switch (event.kind) {
      case 'request': {
        const statusClass = statusClassOf(event.status);
        this.#addRequests({ clientId, orgId, day, endpoint: event.endpoint, statusClass, responses: 1, rateLimited: event.status === 429 ? 1 : 0 });
        this.#addLatency({ clientId, orgId, day, endpoint: event.endpoint, bin: latencyBin(event.latencyMs), responses: 1 });
        if (event.authenticated) this.#markActive({ clientId, orgId, lastActiveAt: isoTimestamp(at) });
        return;
      }
      case 'token-issued':
        this.#addTokens({ clientId, orgId, day, tokensIssued: 1 });
        this.#markActive({ clientId, orgId, lastActiveAt: isoTimestamp(at) });
        return;
      case 'activity':
        this.#markActive({ clientId, orgId, lastActiveAt: isoTimestamp(at) });
        return;
    }
  }

  /** Adds another batch's counters to this one. */
  merge(other: UsageBatch): void {
    for (const counter of other.requests.values()) this.#addRequests(counter);
    for (const counter of other.latency.values()) this.#addLatency(counter);
    for (const counter of other.tokens.values()) this.#addTokens(counter);
    for (const mark of other.activity.values()) this.#markActive(mark);
  }

  #addRequests(counter: RequestCounter): void {
    const key = keyOf(counter.clientId, counter.orgId, counter.day, counter.endpoint, counter.statusClass);
    const known = this.requests.get(key);
    if (known === undefined) this.requests.set(key, { ...counter });
    else {
      known.responses += counter.responses;
      known.rateLimited += counter.rateLimited;
    }
  }

  #addLatency(counter: LatencyCounter): void {
    const key = keyOf(counter.clientId, counter.orgId, counter.day, counter.endpoint, counter.bin);
    const known = this.latency.get(key);
    if (known === undefined) this.latency.set(key, { ...counter });
    else known.responses += counter.responses;
  }

  #addTokens(counter: TokenCounter): void {
    const key = keyOf(counter.clientId, counter.orgId, counter.day);
    const known = this.tokens.get(key);
    if (known === undefined) this.tokens.set(key, { ...counter });
    else known.tokensIssued += counter.tokensIssued;
  }

  #markActive(mark: ActivityMark): void {
    const key = keyOf(mark.clientId, mark.orgId);
    const known = this.activity.get(key);
    if (known === undefined) this.activity.set(key, { ...mark });
    else if (mark.lastActiveAt > known.lastActiveAt) known.lastActiveAt = mark.lastActiveAt;
  }
}
