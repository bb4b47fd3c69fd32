import { systemClock } from '../../clock.js';
import { createInvitation, InvitationError, INVITATION_LIFETIME_DAYS, invitingOperator, MAX_INVITATION_LIFETIME_DAYS } from '../../platform/invitations.js';
import { UsageError, type Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';

export const inviteCreateCommand: Command = {
  name: 'invite create',
  summary: 'Invite a developer to the program: queues the invitation email and prints the link',
  details: 'The link works once. The email is sent by a running server (SMTP or the outbox); the link printed here is the same.\nExample:\n  concat invite create --email dev@example.org --note "Met at the con" --json',
  options: { email: { type: 'string' }, note: { type: 'string' }, operator: { type: 'string' }, 'expires-in-days': { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: {
    email: "the invitee's email address",
    note: 'a note included in the email',
    operator: 'the operator the invitation is from (email); may be left out when there is exactly one',
    'expires-in-days': `days the link works, 1 to ${MAX_INVITATION_LIFETIME_DAYS} (default ${INVITATION_LIFETIME_DAYS})`,
    json: 'print the result as JSON',
  },
  async run(values, io) {
    const config = configFrom(values, io);
    if (typeof values.email !== 'string') throw new UsageError('--email is required');
    const email = values.email;
    const note = typeof values.note === 'string' ? values.note : '';
    const operatorEmail = typeof values.operator === 'string' ? values.operator : undefined;
    const daysText = values['expires-in-days'];
    let expiresInDays: number | undefined;
    if (typeof daysText === 'string') {
      if (!/^\d+$/.test(daysText)) throw new UsageError(`--expires-in-days must be a whole number of days, got "${daysText}"`);
      expiresInDays = Number(daysText);
    }
    try {
      const invitation = await withDatabase(config, async (database) => {
        const operator = await invitingOperator(database.db, operatorEmail);
        return createInvitation(
          database.db,
          { email, note, expiresInDays, operatorId: operator.id, actor: { type: 'cli', id: null }, publicUrl: config.publicUrl },
          systemClock,
        );
      });
      if (values.json === true) io.out(JSON.stringify({ id: invitation.id, email: invitation.email, link: invitation.link, expiresAt: invitation.expiresAt }));
      else io.out(`Invitation for ${invitation.email} created; the link works once until ${invitation.expiresAt}:\n${invitation.link}`);
      return 0;
    } catch (error) {
      if (error instanceof InvitationError) throw new UsageError(error.message.replace(/^./, (c) => c.toLowerCase()));
      throw error;
    }
  },
};
