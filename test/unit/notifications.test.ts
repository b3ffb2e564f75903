import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmailProvider } from '../../dev/sandbox/email.ts';
import { type RecordedRequest, type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import { createSmsProvider } from '../../dev/sandbox/sms.ts';
import { CURRENCY_EXPONENTS, decimalToMinor } from '../../src/domain/money.ts';
import { PostmarkEmailAdapter } from '../../src/notifications/email/postmark.ts';
import { isPermanentDeliveryFailure, MIN_SESSION_REMAINING_MS, payLinkFor, reminderTimes } from '../../src/notifications/schedule.ts';
import { TwilioSmsAdapter } from '../../src/notifications/sms/twilio.ts';
import { escapeHtml, formatAmount, renderRecoveryEmail, renderRecoverySms, shorten } from '../../src/notifications/templates.ts';
import { sandboxControl } from '../dev/sandbox-control.ts';

/**
 * Recovery notifications: the templates (pure), the reminder rules (pure), and the Postmark and Twilio
 * adapters over real HTTP against the sandbox's email and SMS emulators.
 */
const PAY_URL = 'https://pay.example/c/pay/cs_test_abc?x=1&y=2';
const content = { amount: 4999, currency: 'USD', description: 'Order #1042', payUrl: PAY_URL, reminderSeq: 1 };

describe('formatAmount', () => {
  it.each([
    [4999, 'USD', '49.99 USD'],
    [5, 'usd', '0.05 USD'],
    [100000, 'EUR', '1000.00 EUR'],
    [500, 'JPY', '500 JPY'],
    [1250, 'KWD', '1.250 KWD'],
    [99_999_999_999, 'USD', '999999999.99 USD'],
  ])('%i %s → %s', (amount, currency, text) => {
    expect(formatAmount(amount, currency)).toBe(text);
  });

  it('is exact: the text parses back to the same minor units for every currency', () => {
    const codes = Object.keys(CURRENCY_EXPONENTS) as (keyof typeof CURRENCY_EXPONENTS)[];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(...codes), (amount, code) => {
        const [number, unit] = formatAmount(amount, code).split(' ');
        expect(unit).toBe(code);
        expect(decimalToMinor(number as string, CURRENCY_EXPONENTS[code])).toBe(amount);
      }),
    );
  });

  it('refuses a currency it does not know', () => {
    expect(() => formatAmount(100, 'XXX')).toThrow(/unsupported currency/);
  });
});

describe('recovery templates', () => {
  it('email: a pay button and the link in HTML, the amount and link in the text part', () => {
    const email = renderRecoveryEmail(content);
    expect(email.subject).toBe('Complete your payment of 49.99 USD');
    const escapedUrl = 'https://pay.example/c/pay/cs_test_abc?x=1&amp;y=2';
    expect(email.htmlBody).toContain(`<a href="${escapedUrl}"`);
    expect(email.htmlBody).toMatch(/<a href="[^"]+"[^>]*>Pay 49\.99 USD<\/a>/);
    expect(email.htmlBody).toContain('<strong>49.99 USD</strong>');
    expect(email.textBody).toContain('49.99 USD');
    expect(email.textBody).toContain(PAY_URL);
    expect(email.textBody).not.toContain('<');
  });

  it('a later reminder says so', () => {
    expect(renderRecoveryEmail({ ...content, reminderSeq: 2 }).subject).toBe('Reminder: complete your payment of 49.99 USD');
    expect(renderRecoverySms({ ...content, reminderSeq: 3 })).toMatch(/^Reminder: your payment of 49\.99 USD/);
  });

  it('escapes merchant text in HTML (no markup injection) and keeps it readable in the text part', () => {
    const email = renderRecoveryEmail({ ...content, description: '<script>alert("x")</script> & co' });
    expect(email.htmlBody).not.toContain('<script>');
    expect(email.htmlBody).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(email.textBody).toContain('<script>alert("x")</script> & co');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('SMS: amount, currency and link in one short text; long descriptions are cut', () => {
    const sms = renderRecoverySms({ ...content, description: 'A very long description of the order that goes on and on and on' });
    expect(sms).toContain('49.99 USD');
    expect(sms).toContain(PAY_URL);
    expect(sms).toContain('"A very long description of the order th…"');
    expect(shorten('  a\n b  ', 10)).toBe('a b');
  });

  it('renders only http(s) links', () => {
    expect(() => renderRecoverySms({ ...content, payUrl: 'javascript:alert(1)' })).toThrow(/http/);
    expect(() => renderRecoveryEmail({ ...content, payUrl: 'data:text/html,x' })).toThrow(/http/);
  });
});

describe('reminder rules', () => {
  it('schedules offsets from the start, first at once, deduplicated and in order', () => {
    expect(reminderTimes(1_000, [86_400, 0, 259_200, 0])).toEqual([1_000, 1_000 + 86_400_000, 1_000 + 259_200_000]);
    expect(reminderTimes(0, [-5, 1.5, 10])).toEqual([10_000]);
  });

  it('prefers the payment link, else an open session with time left, else nothing', () => {
    const now = 1_000_000;
    const session = { checkoutUrl: 'https://s', checkoutStatus: 'open', checkoutExpiresAt: now + MIN_SESSION_REMAINING_MS };
    expect(payLinkFor({ paymentLinkUrl: 'https://l', ...session }, now)).toBe('https://l');
    expect(payLinkFor({ paymentLinkUrl: null, ...session }, now)).toBe('https://s');
    expect(payLinkFor({ paymentLinkUrl: null, ...session, checkoutExpiresAt: now + MIN_SESSION_REMAINING_MS - 1 }, now)).toBeNull();
    expect(payLinkFor({ paymentLinkUrl: null, ...session, checkoutStatus: 'expired' }, now)).toBeNull();
    expect(payLinkFor({ paymentLinkUrl: 'https://l', ...session, checkoutStatus: 'processing' }, now)).toBeNull();
    expect(payLinkFor({ paymentLinkUrl: null, checkoutUrl: null, checkoutStatus: null, checkoutExpiresAt: null }, now)).toBeNull();
  });

  it('treats only a refusal of the message itself as final', () => {
    expect(isPermanentDeliveryFailure({ kind: 'invalid_request', retryable: false, message: 'x' })).toBe(true);
    for (const kind of ['unavailable', 'timeout', 'rate_limited', 'authentication', 'conflict'] as const) {
      expect(isPermanentDeliveryFailure({ kind, retryable: true, message: 'x' })).toBe(false);
    }
  });
});

describe('provider adapters against the sandbox', () => {
  let sandbox: Sandbox;
  const control = sandboxControl(() => sandbox.url);
  const SID = 'ACunit0000000000000000000000000000';

  beforeEach(async () => {
    sandbox = await startSandbox({
      appUrl: 'http://127.0.0.1:1',
      providers: [createEmailProvider({ serverToken: 'pm-token' }), createSmsProvider({ authTokens: { [SID]: 'tw-token' } })],
    });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const email = (token = 'pm-token', timeoutMs = 2000) =>
    new PostmarkEmailAdapter({ apiUrl: `${sandbox.url}/email`, apiToken: token, from: 'Recovery <recovery@edgepay.test>', timeoutMs });
  const sms = (token = 'tw-token') =>
    new TwilioSmsAdapter({ apiUrl: `${sandbox.url}/sms`, accountSid: SID, authToken: token, from: '+15005550006', timeoutMs: 2000 });
  const requests = async (provider: string) =>
    ((await control('GET', '/__sandbox/requests')).body as RecordedRequest[]).filter((r) => r.provider === provider);

  it('Postmark: POST /email with the server token and the JSON fields; the MessageID comes back', async () => {
    const rendered = renderRecoveryEmail(content);
    const sent = await email().send({ to: 'payer@example.com', ...rendered });
    expect(sent.ok).toBe(true);
    const [req] = await requests('email');
    expect(req).toMatchObject({ method: 'POST', path: '/email', status: 200 });
    expect(req?.headers['x-postmark-server-token']).toBe('pm-token');
    expect(req?.body).toEqual({
      From: 'Recovery <recovery@edgepay.test>',
      To: 'payer@example.com',
      Subject: rendered.subject,
      HtmlBody: rendered.htmlBody,
      TextBody: rendered.textBody,
      MessageStream: 'outbound',
      Tag: 'payment-recovery',
    });
    expect(sent).toEqual({ ok: true, value: { providerMessageId: (req?.response as { MessageID: string } | undefined)?.MessageID } });
  });

  it('Postmark: a wrong token is an authentication failure, a bad address a final invalid_request', async () => {
    const denied = await email('wrong').send({ to: 'payer@example.com', ...renderRecoveryEmail(content) });
    expect(denied).toMatchObject({ ok: false, failure: { kind: 'authentication', status: 401, code: '10' } });
    const refused = await email().send({ to: 'not-an-address', ...renderRecoveryEmail(content) });
    expect(refused).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 422, code: '300' } });
  });

  it('Twilio: POST Messages.json with Basic auth and the form To, From, Body; the SM sid comes back', async () => {
    const body = renderRecoverySms(content);
    const sent = await sms().send({ to: '+15551234567', body });
    expect(sent.ok).toBe(true);
    const [req] = await requests('sms');
    expect(req).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${SID}/Messages.json`, status: 201 });
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:tw-token`).toString('base64')}`);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.body).toEqual({ To: '+15551234567', From: '+15005550006', Body: body });
    if (sent.ok) expect(sent.value.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('Twilio: wrong credentials → authentication; an invalid number → final invalid_request with Twilio’s code', async () => {
    expect(await sms('nope').send({ to: '+15551234567', body: 'x' })).toMatchObject({
      ok: false,
      failure: { kind: 'authentication', status: 401, code: '20003' },
    });
    expect(await sms().send({ to: '555-1234', body: 'x' })).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', status: 400, code: '21211' },
    });
  });

  it('injected provider failures and timeouts are retryable failures, and a send is tried once (no idempotency key)', async () => {
    await control('POST', '/__sandbox/config', { providers: { email: { failRate: 1, failStatus: 503 } } });
    const failed = await email().send({ to: 'payer@example.com', ...renderRecoveryEmail(content) });
    expect(failed).toMatchObject({ ok: false, failure: { kind: 'unavailable', retryable: true, status: 503 } });
    expect(await requests('email')).toHaveLength(1);
    await control('POST', '/__sandbox/config', { providers: { sms: { timeoutRate: 1, timeoutMs: 1500 } } });
    const slow = await new TwilioSmsAdapter({
      apiUrl: `${sandbox.url}/sms`,
      accountSid: SID,
      authToken: 'tw-token',
      from: '+15005550006',
      timeoutMs: 200,
    }).send({ to: '+15551234567', body: 'x' });
    expect(slow).toMatchObject({ ok: false, failure: { kind: 'timeout', retryable: true } });
  });
});
