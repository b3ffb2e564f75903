import { currencyExponent, minorToDecimalString } from '../domain/money';
import type { EmailMessage } from './types';

/**
 * Recovery notification templates ("professional HTML emails with payment buttons", "payment
 * links in SMS with amount/currency"). Pure: the caller passes everything, amounts stay integer minor
 * units until formatted here, exactly, from the currency's ISO 4217 exponent (no float ever touches them).
 */
export type RecoveryContent = {
  amount: number;
  currency: string;
  description: string;
  payUrl: string;
  /** 1 for the first message, 2+ for reminders. */
  reminderSeq: number;
};

/** "49.99 USD", "500 JPY", "1.250 KWD": the amount in major units with exactly the currency's decimals. */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.trim().toUpperCase();
  const exponent = currencyExponent(code);
  if (!exponent.ok) throw new RangeError(`unsupported currency ${currency}`);
  return `${minorToDecimalString(amount, exponent.value)} ${code}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** Only http(s) links are ever rendered; anything else is a programming error, not something to send. */
function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new RangeError('pay link must be an http(s) URL');
  return parsed.toString();
}

/** Collapses whitespace and cuts at `max` characters with an ellipsis (descriptions are merchant text). */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

function subjectFor(c: RecoveryContent, amount: string): string {
  return c.reminderSeq > 1 ? `Reminder: complete your payment of ${amount}` : `Complete your payment of ${amount}`;
}

export function renderRecoveryEmail(c: RecoveryContent): Omit<EmailMessage, 'to'> {
  const amount = formatAmount(c.amount, c.currency);
  const url = safeUrl(c.payUrl);
  const description = shorten(c.description, 200);
  const subject = subjectFor(c, amount);
  const href = escapeHtml(url);
  const htmlBody = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Helvetica,Arial,sans-serif;color:#1f2933;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;padding:32px;">
<tr><td>
<h1 style="font-size:20px;margin:0 0 16px;">Your payment did not go through</h1>
<p style="font-size:16px;line-height:24px;margin:0 0 8px;">We could not complete your payment of <strong>${escapeHtml(amount)}</strong> for:</p>
<p style="font-size:16px;line-height:24px;margin:0 0 24px;">${escapeHtml(description)}</p>
<p style="margin:0 0 24px;"><a href="${href}" style="display:inline-block;background:#635bff;color:#ffffff;text-decoration:none;font-weight:bold;font-size:16px;padding:12px 24px;border-radius:6px;">Pay ${escapeHtml(amount)}</a></p>
<p style="font-size:13px;line-height:20px;color:#52606d;margin:0;">If the button does not work, copy this link into your browser:<br><a href="${href}" style="color:#635bff;word-break:break-all;">${href}</a></p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`;
  const textBody = [
    'Your payment did not go through.',
    '',
    `We could not complete your payment of ${amount} for: ${description}`,
    '',
    `Pay ${amount} securely here:`,
    url,
    '',
  ].join('\n');
  return { subject, htmlBody, textBody, tag: 'payment-recovery' };
}

/** One SMS: amount, currency and the link, with the description cut so the text stays short. */
export function renderRecoverySms(c: RecoveryContent): string {
  const amount = formatAmount(c.amount, c.currency);
  const url = safeUrl(c.payUrl);
  const lead = c.reminderSeq > 1 ? 'Reminder: your' : 'Your';
  return `${lead} payment of ${amount} for "${shorten(c.description, 40)}" did not go through. Pay securely: ${url}`;
}
