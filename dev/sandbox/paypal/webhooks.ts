import { createSign, createVerify, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { crc32 } from 'node:zlib';
import { SANDBOX_DEFAULTS, type SandboxContext } from '../types.ts';
import { invalidRequest, type Obj, paypalId, text, URI } from './objects.ts';

/**
 * PayPal webhook notifications. Each is signed as PayPal does it (partially confirmed):
 * transmission_sig = base64(SHA256withRSA(`${transmission_id}|${transmission_time}|${webhook_id}|${crc32(raw body)}`)),
 * crc32 as an unsigned decimal, with the key whose "certificate" is at PAYPAL-CERT-URL. The sandbox serves the
 * public key there as a PEM SPKI block (not an X.509 certificate: Node cannot issue one without a CA library).
 * verify-webhook-signature checks exactly that against the webhooks this sandbox sent.
 */
export const PAYPAL_AUTH_ALGO = 'SHA256withRSA';
export const PAYPAL_CERT_ID = 'CERT-360caa42-fca2a594-sandbox01';

export const paypalWebhookId = (ctx: SandboxContext) => ctx.secrets.paypalWebhookId ?? SANDBOX_DEFAULTS.paypalWebhookId;
export const paypalCertUrl = (ctx: SandboxContext) => `${ctx.sandboxUrl}/paypal/v1/notifications/certs/${PAYPAL_CERT_ID}`;

/** The signed message; crc32 of the raw body as an unsigned decimal. */
export function paypalSignedMessage(transmissionId: string, transmissionTime: string, webhookId: string, rawBody: string): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody) >>> 0}`;
}

type Transmission = { body: string };

export type PaypalSigner = {
  publicKeyPem(): string;
  emit(ctx: SandboxContext, event: { event_type: string; resource_type: string; summary: string; resource: Obj }): Obj;
  verify(body: Obj, ctx: SandboxContext): 'SUCCESS' | 'FAILURE';
  reset(): void;
};

/** transmission_sig must match the extract's ^(?!\d+$)\w+\S+: a base64 signature starting with + or / is re-drawn. */
const SIG_PATTERN = /^(?!\d+$)\w+\S+/;

export function createPaypalSigner(): PaypalSigner {
  let keys: { privateKey: KeyObject; publicKey: KeyObject } | null = null;
  const pair = () => {
    keys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
    return keys;
  };
  let transmissions = new Map<string, Transmission>();

  return {
    publicKeyPem: () => pair().publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    emit(ctx, { event_type, resource_type, summary, resource }) {
      const now = new Date(ctx.now()).toISOString();
      const id = `WH-${paypalId()}-${paypalId()}`;
      const event = {
        id,
        event_version: '1.0',
        create_time: now,
        resource_type,
        resource_version: '2.0',
        event_type,
        summary,
        resource: structuredClone(resource),
        links: [
          { href: `${ctx.sandboxUrl}/paypal/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' },
          { href: `${ctx.sandboxUrl}/paypal/v1/notifications/webhooks-events/${id}/resend`, rel: 'resend', method: 'POST' },
        ],
      };
      const body = JSON.stringify(event);
      const time = `${now.slice(0, 19)}Z`;
      let transmissionId: string;
      let sig: string;
      do {
        transmissionId = randomUUID();
        sig = createSign('sha256')
          .update(paypalSignedMessage(transmissionId, time, paypalWebhookId(ctx), body))
          .sign(pair().privateKey, 'base64');
      } while (!SIG_PATTERN.test(sig));
      transmissions.set(transmissionId, { body });
      ctx.emitWebhook({
        provider: 'paypal',
        type: event_type,
        eventId: id,
        url: `${ctx.appUrl}/v1/webhooks/paypal`,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'PayPal/AUHD-214.0-58842498',
          'correlation-id': randomUUID().slice(0, 13),
          'paypal-transmission-id': transmissionId,
          'paypal-transmission-time': time,
          'paypal-transmission-sig': sig,
          'paypal-cert-url': paypalCertUrl(ctx),
          'paypal-auth-algo': PAYPAL_AUTH_ALGO,
        },
        body,
      });
      return event;
    },
    /** POST /v1/notifications/verify-webhook-signature: request validated per the extract, then the RSA check. */
    verify(body, ctx) {
      const auth = text(body, 'auth_algo', '/auth_algo', { max: 100, pattern: /^[a-zA-Z0-9]+$/, required: true });
      const certUrl = text(body, 'cert_url', '/cert_url', { max: 500, pattern: URI, required: true });
      const id = text(body, 'transmission_id', '/transmission_id', { max: 50, pattern: /^(?!\d+$)\w+\S+/, required: true }) as string;
      const sig = text(body, 'transmission_sig', '/transmission_sig', { max: 500, pattern: /^(?!\d+$)\w+\S+/, required: true }) as string;
      const time = text(body, 'transmission_time', '/transmission_time', { max: 100, required: true }) as string;
      if (Number.isNaN(Date.parse(time))) {
        throw invalidRequest(
          'INVALID_PARAMETER_SYNTAX',
          'The value of a field does not conform to the expected format.',
          '/transmission_time',
        );
      }
      const webhookId = text(body, 'webhook_id', '/webhook_id', { max: 50, pattern: /^[a-zA-Z0-9]+$/, required: true }) as string;
      const event = body.webhook_event;
      if (event === undefined || event === null)
        throw invalidRequest('MISSING_REQUIRED_PARAMETER', 'A required parameter is missing.', '/webhook_event');
      if (typeof event !== 'object' || Array.isArray(event)) {
        throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', '/webhook_event');
      }
      const sent = transmissions.get(id);
      if (auth !== PAYPAL_AUTH_ALGO || certUrl !== paypalCertUrl(ctx) || !sent) return 'FAILURE';
      // The event PayPal re-serialises must be the one that was sent; the signature covers crc32 of that raw body.
      if (!isDeepStrictEqual(event, JSON.parse(sent.body))) return 'FAILURE';
      const ok = createVerify('sha256')
        .update(paypalSignedMessage(id, time, webhookId, sent.body))
        .verify(pair().publicKey, sig, 'base64');
      return ok ? 'SUCCESS' : 'FAILURE';
    },
    reset() {
      transmissions = new Map();
    },
  };
}
