import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmailProvider } from '../../dev/sandbox/email.ts';
import { type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import { sandboxControl } from './sandbox-control.ts';

/** The Postmark-shaped email emulator over raw HTTP: what it accepts, what it refuses, and what it keeps. */
let sandbox: Sandbox;
const control = sandboxControl(() => sandbox.url);

beforeEach(async () => {
  sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [createEmailProvider()] });
});
afterEach(async () => {
  await sandbox.close();
});

async function post(body: unknown, token: string | null = 'server-token', raw?: string) {
  const res = await fetch(`${sandbox.url}/email/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { 'x-postmark-server-token': token } : {}) },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function get(path: string, token = 'server-token') {
  const res = await fetch(`${sandbox.url}/email${path}`, { headers: { 'x-postmark-server-token': token } });
  return { status: res.status, body: (await res.json()) as any };
}

const message = {
  From: 'Recovery <recovery@edgepay.test>',
  To: 'payer@example.com',
  Subject: 'Complete your payment',
  HtmlBody: '<p><a href="https://pay.example/x">Pay</a></p>',
  TextBody: 'Pay: https://pay.example/x',
  MessageStream: 'outbound',
};

describe('POST /email', () => {
  it('accepts a message as Postmark does and keeps it', async () => {
    const sent = await post(message);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ To: 'payer@example.com', ErrorCode: 0, Message: 'OK' });
    expect(sent.body.MessageID).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(sent.body.SubmittedAt)).not.toBeNaN();

    const search = await get('/messages/outbound?count=10&offset=0');
    expect(search.status).toBe(200);
    expect(search.body.TotalCount).toBe(1);
    expect(search.body.Messages[0]).toMatchObject({
      MessageID: sent.body.MessageID,
      Subject: 'Complete your payment',
      Recipients: ['payer@example.com'],
      Status: 'Sent',
    });
    const details = await get(`/messages/outbound/${sent.body.MessageID}/details`);
    expect(details.body).toMatchObject({ HtmlBody: message.HtmlBody, TextBody: message.TextBody });
  });

  it('refuses without a server token (401, ErrorCode 10)', async () => {
    const res = await post(message, null);
    expect(res.status).toBe(401);
    expect(res.body.ErrorCode).toBe(10);
  });

  it('accepts only the configured token when one is given', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [createEmailProvider({ serverToken: 'right' })] });
    expect((await post(message, 'wrong')).status).toBe(401);
    expect((await post(message, 'right')).status).toBe(200);
  });

  it.each([
    ['invalid JSON', undefined, '{nope', 402, 'Received invalid JSON input.'],
    ['no From', { ...message, From: '' }, undefined, 300, "Invalid 'From' address: ''."],
    ['no recipient', { ...message, To: '' }, undefined, 300, 'Zero recipients specified'],
    [
      'a bad recipient',
      { ...message, To: 'payer.example.com' },
      undefined,
      300,
      "Error parsing 'To': Illegal email address 'payer.example.com'. It must contain the '@' symbol.",
    ],
    ['no body', { ...message, HtmlBody: '', TextBody: undefined }, undefined, 300, 'Provide either email TextBody or HtmlBody or both.'],
    [
      'an unknown stream',
      { ...message, MessageStream: 'nope' },
      undefined,
      1235,
      "The message stream for the provided 'ID' (nope) was not found.",
    ],
  ])('refuses %s with 422 and Postmark’s error code', async (_name, body, raw, code, text) => {
    const res = await post(body, 'server-token', raw);
    expect(res).toEqual({ status: 422, body: { ErrorCode: code, Message: text } });
    expect((await get('/messages/outbound?count=10&offset=0')).body.TotalCount).toBe(0);
  });

  it('filters the search by recipient, newest first, and forgets everything on reset', async () => {
    await post(message);
    await post({ ...message, To: 'other@example.com', Subject: 'second' });
    await post({ ...message, Subject: 'third' });
    const mine = await get('/messages/outbound?count=10&offset=0&recipient=payer@example.com');
    expect(mine.body.Messages.map((m: { Subject: string }) => m.Subject)).toEqual(['third', 'Complete your payment']);
    expect((await get('/messages/outbound?offset=0')).status).toBe(422);
    await control('POST', '/__sandbox/reset');
    expect((await get('/messages/outbound?count=10&offset=0')).body.TotalCount).toBe(0);
  });

  it('injects failures in Postmark’s error shape', async () => {
    await control('POST', '/__sandbox/config', { providers: { email: { failRate: 1, failStatus: 500 } } });
    const res = await post(message);
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ ErrorCode: 100, Message: 'sandbox injected failure' });
  });
});
