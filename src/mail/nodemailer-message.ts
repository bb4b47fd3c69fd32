import type { SendMailOptions } from 'nodemailer';
import type { MailMessage } from './mail-transport.js';

/** The nodemailer message both transports build, so the outbox holds exactly what SMTP would carry. */
export function toSendMailOptions(message: MailMessage): SendMailOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    date: message.date,
    // RFC 3834: tells auto-responders (vacation replies) not to answer platform notifications.
    headers: { 'Auto-Submitted': 'auto-generated' },
    // Bodies are our own strings; never let nodemailer read a file or URL named in a message.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
