import { Bulkhead } from '../../src/lib/bulkhead';
import type { CheckoutInput, CreatedCheckout } from '../../src/psp/checkout';
import type { SessionRecord } from './schema';
import type { CreateCheckoutCommand } from './types';

/**
 * Provider creates in flight at once in this isolate. A burst beyond it waits before its PSP_TIMEOUT_MS deadline
 * starts (a create that waited for CPU behind hundreds of others would otherwise time out with the provider's
 * answer already in); well above what one isolate's CPU sustains at a provider's usual latency.
 */
export const providerCreates = new Bulkhead(32);

/** The longest we let a session live when the caller leaves it to the provider (most providers cap at 24 h). */
const DEFAULT_TTL_MS = 24 * 3600_000;

/** Our own deadline for a session created at `now`. */
export function ourExpiry(cmd: CreateCheckoutCommand, now: number): number {
  return now + (cmd.ttlSeconds !== null ? cmd.ttlSeconds * 1000 : DEFAULT_TTL_MS);
}

/** The record written before the provider call, in phase 'creating'. */
export function creatingRecord(cmd: CreateCheckoutCommand, now: number, expiresAt: number): SessionRecord {
  return {
    sessionId: cmd.sessionId,
    tenantId: cmd.tenantId,
    provider: cmd.provider,
    purpose: cmd.purpose,
    providerSessionId: '',
    checkoutUrl: '',
    status: 'open',
    amount: cmd.amount,
    currency: cmd.currency,
    amountPaid: 0,
    amountRefunded: 0,
    paymentReference: null,
    merchantAccount: cmd.merchantAccount,
    merchantId: cmd.merchantId,
    metadata: cmd.metadata,
    details: {},
    successUrl: cmd.successUrl,
    cancelUrl: cmd.cancelUrl,
    expiresAt,
    paidAt: null,
    createdAt: now,
    updatedAt: now,
    version: 0,
    phase: 'creating',
    requestHash: cmd.requestHash,
    checkAttempts: 0,
    nextCheckAt: null,
  };
}

/** The provider request; its idempotency key derives from the session id, so a retry is the same operation. */
export function sessionInput(cmd: CreateCheckoutCommand, expiresAt: number): CheckoutInput {
  return {
    sessionId: cmd.sessionId,
    tenantId: cmd.tenantId,
    amount: cmd.amount,
    currency: cmd.currency,
    merchantAccount: cmd.merchantAccount,
    description: cmd.description,
    metadata: cmd.metadata,
    successUrl: cmd.successUrl,
    cancelUrl: cmd.cancelUrl,
    expiresAt,
    notificationUrl: `${cmd.publicBaseUrl}/v1/webhooks/${cmd.provider}?session=${cmd.sessionId}`,
    idempotencyKey: `edgepay-${cmd.sessionId}`,
    ...(cmd.customerEmail ? { customerEmail: cmd.customerEmail } : {}),
  };
}

/** The record once the provider has created the session; it expires at the earlier of our and the provider's deadline. */
export function createdRecord(record: SessionRecord, created: CreatedCheckout, ourExpiresAt: number, at: number): SessionRecord {
  const expiresAt = created.expiresAt === null ? ourExpiresAt : Math.min(ourExpiresAt, created.expiresAt);
  return {
    ...record,
    providerSessionId: created.reference,
    checkoutUrl: created.checkoutUrl,
    details: created.details,
    expiresAt,
    phase: 'created',
    updatedAt: at,
    version: 1,
  };
}
