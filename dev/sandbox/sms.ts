import { randomBytes } from 'node:crypto';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * SMS emulator in Twilio's Programmable Messaging shape, mounted at /sms (the app's SMS_API_URL in dev and tests):
 *   POST /2010-04-01/Accounts/:sid/Messages.json         form To, From, Body → 201 Message resource (sid SM…, status queued)
 *   GET  /2010-04-01/Accounts/:sid/Messages.json         the account's messages, newest first (To=, From= filters, PageSize)
 *   GET  /2010-04-01/Accounts/:sid/Messages/:msid.json   one message
 * HTTP Basic auth, user = the AccountSid in the path (else 401 code 20003). Errors are Twilio's
 * `{ code, message, more_info, status }`: 21604 To missing, 21603 From missing, 21602 Body missing, 21211 invalid To,
 * 21212 invalid From, 21617 body over 1600 characters, 20404 unknown resource. Messages are kept until /__sandbox/reset.
 * `authTokens`: AccountSid → token; when given, only those credentials pass, otherwise any non-empty token does.
 */
export type StoredSms = {
  sid: string;
  account_sid: string;
  to: string;
  from: string;
  body: string;
  status: 'queued';
  num_segments: string;
  date_created: string;
};

type Form = Record<string, string>;

const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_BODY = 1600;
const API_VERSION = '2010-04-01';
/** GSM 03.38 basic character set (without the escape table): texts within it take 160 characters per single SMS. */
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

function twilioError(status: number, code: number, message: string): SandboxResponse {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

export function smsSegments(body: string): number {
  const chars = [...body].length;
  const [single, multi] = GSM7.test(body) ? [160, 153] : [70, 67];
  return chars <= single ? 1 : Math.ceil(chars / multi);
}

function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

function resource(m: StoredSms) {
  const uri = `/${API_VERSION}/Accounts/${m.account_sid}/Messages/${m.sid}.json`;
  return {
    account_sid: m.account_sid,
    api_version: API_VERSION,
    body: m.body,
    date_created: m.date_created,
    date_sent: null,
    date_updated: m.date_created,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: m.num_segments,
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
    to: m.to,
    uri,
  };
}

/** Basic auth → [user, password], or null. */
function credentials(header: string | undefined): [string, string] | null {
  const match = /^basic\s+(\S+)$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

export function createSmsProvider(options: { authTokens?: Record<string, string> } = {}): SandboxProvider {
  let messages: StoredSms[] = [];

  function create(account: string, form: Form, ctx: SandboxContext): SandboxResponse {
    const to = form.To?.trim() ?? '';
    const from = form.From?.trim() ?? '';
    const body = form.Body ?? '';
    if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!from && !form.MessagingServiceSid) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (!body && !form.MediaUrl) return twilioError(400, 21602, 'Message body is required.');
    if (!E164.test(to)) return twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (from && !E164.test(from)) return twilioError(400, 21212, `Invalid From Number (caller ID): ${from}`);
    if ([...body].length > MAX_BODY)
      return twilioError(400, 21617, `The concatenated message body exceeds the ${MAX_BODY} character limit.`);
    const message: StoredSms = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      account_sid: account,
      to,
      from,
      body,
      status: 'queued',
      num_segments: String(smsSegments(body)),
      date_created: rfc2822(ctx.now()),
    };
    messages.push(message);
    return { status: 201, body: resource(message) };
  }

  function list(account: string, query: Record<string, string>): SandboxResponse {
    const pageSize = Math.min(Math.max(Number(query.PageSize ?? 50) || 50, 1), 1000);
    const matching = [...messages]
      .reverse()
      .filter((m) => m.account_sid === account && (!query.To || m.to === query.To) && (!query.From || m.from === query.From));
    const page = matching.slice(0, pageSize);
    const uri = `/${API_VERSION}/Accounts/${account}/Messages.json?PageSize=${pageSize}&Page=0`;
    return {
      status: 200,
      body: {
        messages: page.map(resource),
        end: Math.max(page.length - 1, 0),
        first_page_uri: uri,
        next_page_uri: null,
        page: 0,
        page_size: pageSize,
        previous_page_uri: null,
        start: 0,
        uri,
      },
    };
  }

  async function handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/.exec(req.path);
    if (!match) return twilioError(404, 20404, `The requested resource ${req.path} was not found`);
    const account = decodeURIComponent(match[1] as string);
    const creds = credentials(req.headers.authorization);
    const expected = options.authTokens?.[account];
    if (!creds || creds[0] !== account || !creds[1] || (options.authTokens && creds[1] !== expected)) {
      return {
        status: 401,
        body: {
          code: 20003,
          detail: 'Your AccountSid or AuthToken was incorrect.',
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        },
      };
    }
    const messageSid = match[2];
    if (messageSid) {
      if (req.method !== 'GET') return twilioError(405, 20004, 'Method not allowed');
      const found = messages.find((m) => m.sid === messageSid && m.account_sid === account);
      return found ? { status: 200, body: resource(found) } : twilioError(404, 20404, `The requested resource ${req.path} was not found`);
    }
    if (req.method === 'GET') return list(account, req.query);
    if (req.method !== 'POST') return twilioError(405, 20004, 'Method not allowed');
    const form = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Form) : {};
    return create(account, form, ctx);
  }

  return {
    name: 'sms',
    handle,
    errorBody(status, message) {
      return { code: status === 429 ? 20429 : 20500, message, more_info: 'https://www.twilio.com/docs/errors/20500', status };
    },
    reset() {
      messages = [];
    },
  };
}
