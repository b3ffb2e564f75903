import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import { createSmsProvider, smsSegments } from '../../dev/sandbox/sms.ts';
import { sandboxControl } from './sandbox-control.ts';

/** The Twilio-shaped SMS emulator over raw HTTP: Messages create, list and fetch, auth and Twilio's error codes. */
const SID = 'ACsandbox000000000000000000000000a';
let sandbox: Sandbox;
const control = sandboxControl(() => sandbox.url);

beforeEach(async () => {
  sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [createSmsProvider()] });
});
afterEach(async () => {
  await sandbox.close();
});

const auth = (user = SID, token = 'auth-token') => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
const messagesPath = (sid = SID) => `/sms/2010-04-01/Accounts/${sid}/Messages.json`;

async function send(form: Record<string, string>, authorization = auth(), sid = SID) {
  const res = await fetch(`${sandbox.url}${messagesPath(sid)}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function get(path: string, authorization = auth()) {
  const res = await fetch(`${sandbox.url}${path}`, { headers: { authorization } });
  return { status: res.status, body: (await res.json()) as any };
}

const form = { To: '+15551234567', From: '+15005550006', Body: 'Your payment of 49.99 USD did not go through. Pay: https://pay.example/x' };

describe('Messages.json', () => {
  it('creates a queued message (201, Twilio’s resource) and keeps it for list and fetch', async () => {
    const created = await send(form);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      account_sid: SID,
      api_version: '2010-04-01',
      to: form.To,
      from: form.From,
      body: form.Body,
      status: 'queued',
      direction: 'outbound-api',
      num_segments: '1',
      error_code: null,
    });
    expect(created.body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(created.body.date_created).toMatch(/\+0000$/);
    expect(created.body.uri).toBe(`/2010-04-01/Accounts/${SID}/Messages/${created.body.sid}.json`);

    const listed = await get(`${messagesPath()}?To=${encodeURIComponent(form.To)}`);
    expect(listed.body.messages.map((m: { sid: string }) => m.sid)).toEqual([created.body.sid]);
    expect((await get(`${messagesPath()}?To=%2B15550000000`)).body.messages).toEqual([]);
    const fetched = await get(`/sms/2010-04-01/Accounts/${SID}/Messages/${created.body.sid}.json`);
    expect(fetched.body).toMatchObject({ sid: created.body.sid, body: form.Body });
    expect((await get(`/sms/2010-04-01/Accounts/${SID}/Messages/SMnope.json`)).body).toMatchObject({ code: 20404, status: 404 });
  });

  it('needs Basic auth with the path’s AccountSid (401, code 20003)', async () => {
    expect((await send(form, auth('ACother'))).body).toMatchObject({ code: 20003, status: 401 });
    expect((await send(form, 'Bearer x')).status).toBe(401);
    expect((await send(form, auth(SID, ''))).status).toBe(401);
  });

  it('checks credentials against authTokens when given', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [createSmsProvider({ authTokens: { [SID]: 'right' } })] });
    expect((await send(form, auth(SID, 'wrong'))).status).toBe(401);
    expect((await send(form, auth(SID, 'right'))).status).toBe(201);
  });

  it.each([
    ['no To', { ...form, To: '' }, 21604, "A 'To' phone number is required."],
    ['no From', { ...form, From: '' }, 21603, "A 'From' phone number is required."],
    ['no Body', { ...form, Body: '' }, 21602, 'Message body is required.'],
    ['a To that is not E.164', { ...form, To: '5551234567' }, 21211, "Invalid 'To' Phone Number: 5551234567"],
    ['a From that is not E.164', { ...form, From: 'EDGEPAY' }, 21212, 'Invalid From Number (caller ID): EDGEPAY'],
    [
      'a body over 1600 characters',
      { ...form, Body: 'x'.repeat(1601) },
      21617,
      'The concatenated message body exceeds the 1600 character limit.',
    ],
  ])('refuses %s with 400 and Twilio’s code', async (_name, body, code, message) => {
    const res = await send(body);
    expect(res).toEqual({ status: 400, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 } });
    expect((await get(messagesPath())).body.messages).toEqual([]);
  });

  it('counts segments as GSM-7 (160/153) or UCS-2 (70/67)', () => {
    expect(smsSegments('x'.repeat(160))).toBe(1);
    expect(smsSegments('x'.repeat(161))).toBe(2);
    expect(smsSegments('x'.repeat(306))).toBe(2);
    expect(smsSegments('…'.repeat(70))).toBe(1);
    expect(smsSegments('…'.repeat(71))).toBe(2);
  });

  it('injects failures in Twilio’s error shape and forgets messages on reset', async () => {
    await send(form);
    await control('POST', '/__sandbox/reset');
    expect((await get(messagesPath())).body.messages).toEqual([]);
    await control('POST', '/__sandbox/config', { providers: { sms: { failRate: 1, failStatus: 503 } } });
    const failed = await send(form);
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ code: 20500, status: 503 });
  });
});
