/**
 * The text analysis the help desk uses, all from core: `email.reply()` (new text without quote and
 * signature), `email.classify()`, `email.deliveryReport()` (DSN) and `email.authVerdict()` (DKIM/SPF
 * aligned with From).
 */
import type { MailText } from './inbound.js';

export function coreMailText(): MailText {
  return {
    newText: (email) => email.reply().text,
    classify: (email, ownDomains) => email.classify({ ownDomains }).kind,
    async deliveryReport(email) {
      const report = await email.deliveryReport();
      if (!report) return null;
      return {
        originalMessageId: report.originalMessageId,
        recipients: report.recipients.map((r) => ({
          address: r.address,
          action: r.action,
          status: r.status,
          diagnostic: r.diagnostic,
          permanent: r.permanent,
        })),
      };
    },
    senderAuthenticated: (email) => email.authVerdict(),
  };
}
