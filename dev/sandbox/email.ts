import { randomUUID } from 'node:crypto';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * Email emulator in Postmark's API shape, mounted at /email (the app's EMAIL_API_URL in dev and tests):
 *   POST /email                                 send one message: `X-Postmark-Server-Token`, JSON { From, To, Subject,
 *                                               HtmlBody, TextBody, MessageStream?, Tag? } → 200 { To, SubmittedAt,
 *                                               MessageID, ErrorCode: 0, Message: "OK" }
 *   GET  /messages/outbound?count=&offset=      Postmark's outbound message search (recipient=, tag= filters) →
 *                                               { TotalCount, Messages: [...] }, newest first
 *   GET  /messages/outbound/:id/details         one message with its HtmlBody and TextBody
 * Errors follow Postmark: 401 { ErrorCode: 10 } without a server token, 422 { ErrorCode, Message } for a request
 * it refuses (300 invalid email request, 402 invalid JSON, 1235 unknown message stream, 701 message not found).
 * Every message accepted is kept until /__sandbox/reset (and every request is in /__sandbox/requests as usual).
 * `serverToken`: when given, only that token is accepted; otherwise any non-empty token is.
 */
export type StoredEmail = {
  MessageID: string;
  MessageStream: string;
  From: string;
  To: string[];
  Subject: string;
  HtmlBody: string;
  TextBody: string;
  Tag: string;
  SubmittedAt: string;
};

type Obj = Record<string, unknown>;
type Refusal = { status: number; errorCode: number; message: string };

const STREAMS = ['outbound', 'broadcast'];
const MAX_RECIPIENTS = 50;
const ADDRESS = /^[^\s@<>,"]+@[^\s@<>,"]+\.[^\s@<>,"]+$/;

function refuse(status: number, errorCode: number, message: string): SandboxResponse {
  return { status, body: { ErrorCode: errorCode, Message: message } };
}

/** "Name <a@b.c>" or "a@b.c" → the address, or a Postmark-style refusal naming the field. */
function address(field: string, raw: string): string | Refusal {
  const trimmed = raw.trim();
  const angle = /<([^>]*)>\s*$/.exec(trimmed);
  const value = (angle ? angle[1] : trimmed)?.trim() ?? '';
  if (!value.includes('@'))
    return {
      status: 422,
      errorCode: 300,
      message: `Error parsing '${field}': Illegal email address '${value}'. It must contain the '@' symbol.`,
    };
  if (!ADDRESS.test(value)) return { status: 422, errorCode: 300, message: `Error parsing '${field}': Illegal email address '${value}'.` };
  return value;
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'errorCode' in value;
}

function text(body: Obj, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' ? v : undefined;
}

function summary(m: StoredEmail) {
  return {
    Tag: m.Tag,
    MessageID: m.MessageID,
    MessageStream: m.MessageStream,
    To: m.To.map((Email) => ({ Email, Name: null })),
    Cc: [],
    Bcc: [],
    Recipients: m.To,
    ReceivedAt: m.SubmittedAt,
    From: m.From,
    Subject: m.Subject,
    Attachments: [],
    Status: 'Sent',
    TrackOpens: false,
    TrackLinks: 'None',
    Metadata: {},
    Sandboxed: false,
  };
}

export function createEmailProvider(options: { serverToken?: string } = {}): SandboxProvider {
  let outbound: StoredEmail[] = [];

  function send(req: SandboxRequest, ctx: SandboxContext): SandboxResponse {
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) return refuse(422, 402, 'Received invalid JSON input.');
    const body = req.body as Obj;
    const fromRaw = text(body, 'From') ?? '';
    if (!fromRaw.trim()) return refuse(422, 300, "Invalid 'From' address: ''.");
    const from = address('From', fromRaw);
    if (isRefusal(from)) return refuse(from.status, from.errorCode, from.message);
    const toRaw = (text(body, 'To') ?? '').split(',').filter((s) => s.trim());
    if (toRaw.length === 0) return refuse(422, 300, 'Zero recipients specified');
    if (toRaw.length > MAX_RECIPIENTS) return refuse(422, 300, `Too many recipients: at most ${MAX_RECIPIENTS} are allowed.`);
    const to: string[] = [];
    for (const raw of toRaw) {
      const parsed = address('To', raw);
      if (isRefusal(parsed)) return refuse(parsed.status, parsed.errorCode, parsed.message);
      to.push(parsed);
    }
    const html = text(body, 'HtmlBody') ?? '';
    const plain = text(body, 'TextBody') ?? '';
    if (!html && !plain) return refuse(422, 300, 'Provide either email TextBody or HtmlBody or both.');
    const stream = text(body, 'MessageStream') ?? 'outbound';
    if (!STREAMS.includes(stream)) return refuse(422, 1235, `The message stream for the provided 'ID' (${stream}) was not found.`);
    const message: StoredEmail = {
      MessageID: randomUUID(),
      MessageStream: stream,
      From: fromRaw.trim(),
      To: to,
      Subject: text(body, 'Subject') ?? '',
      HtmlBody: html,
      TextBody: plain,
      Tag: text(body, 'Tag') ?? '',
      SubmittedAt: new Date(ctx.now()).toISOString(),
    };
    outbound.push(message);
    return {
      status: 200,
      body: { To: to.join(', '), SubmittedAt: message.SubmittedAt, MessageID: message.MessageID, ErrorCode: 0, Message: 'OK' },
    };
  }

  function search(req: SandboxRequest): SandboxResponse {
    const count = Number(req.query.count);
    const offset = Number(req.query.offset ?? 0);
    if (!Number.isInteger(count) || count < 1 || count > 500)
      return refuse(422, 300, "The 'count' parameter is required and must be 1..500.");
    if (!Number.isInteger(offset) || offset < 0) return refuse(422, 300, "The 'offset' parameter must be a non-negative integer.");
    const recipient = req.query.recipient?.toLowerCase();
    const tag = req.query.tag;
    const matching = [...outbound]
      .reverse()
      .filter((m) => (!recipient || m.To.some((t) => t.toLowerCase() === recipient)) && (!tag || m.Tag === tag));
    return { status: 200, body: { TotalCount: matching.length, Messages: matching.slice(offset, offset + count).map(summary) } };
  }

  async function handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
    const token = req.headers['x-postmark-server-token'] ?? '';
    if (!token)
      return {
        status: 401,
        body: {
          ErrorCode: 10,
          Message:
            'No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.',
        },
      };
    if (options.serverToken && token !== options.serverToken)
      return { status: 401, body: { ErrorCode: 10, Message: 'Request does not contain a valid Server token.' } };
    if (req.method === 'POST' && req.path === '/email') return send(req, ctx);
    if (req.method === 'GET' && req.path === '/messages/outbound') return search(req);
    const details = /^\/messages\/outbound\/([^/]+)\/details$/.exec(req.path);
    if (req.method === 'GET' && details) {
      const found = outbound.find((m) => m.MessageID === details[1]);
      if (!found) return refuse(422, 701, 'This message was not found.');
      return {
        status: 200,
        body: { ...summary(found), TextBody: found.TextBody, HtmlBody: found.HtmlBody, Body: found.HtmlBody, MessageEvents: [] },
      };
    }
    return refuse(404, 404, `No route for ${req.method} ${req.path}`);
  }

  return {
    name: 'email',
    handle,
    errorBody(status, message) {
      return { ErrorCode: status === 429 ? 429 : 100, Message: message };
    },
    reset() {
      outbound = [];
    },
  };
}
