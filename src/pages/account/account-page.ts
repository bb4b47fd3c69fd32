import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from '../html.js';
import type { AccountContext } from './views.js';

/** One account page: its entry in the account navigation, its status, and its content for the viewer. */
export interface AccountPage {
  current: 'profile' | 'registration' | 'volunteer' | 'apps' | null;
  status?: number;
  render: (context: AccountContext) => { title: string; body: SafeHtml };
}

/** Sends an account page in the shared layout, with the account navigation. */
export type ShowAccountPage = (request: FastifyRequest, reply: FastifyReply, page: AccountPage) => Promise<FastifyReply>;

/** The signed-in user of the instance the request is for. */
export interface AccountViewer {
  orgId: number;
  userId: number;
}
