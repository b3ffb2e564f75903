import type { ProcessContext as PaymentRequestContext, PaymentResult } from '../../durable-objects/payment/types';
import { publicFees } from '../domain/fees';
import { fingerprint } from '../domain/idempotency';
import { type MintJobView, mintJobView } from '../domain/mint-job';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError } from '../lib/errors';
import { transactionIdFor } from '../lib/ids';
import { paymentStub, ticketStub } from '../lib/stubs';
import type { ProcessPaymentBody, RefundBody, TransactionView } from '../schemas/payments';

export type ProcessContext = { requestId: string; path: string } & PaymentRequestContext;

/** A success the object answered with: its JSON text, as stored for replay. */
export type PaymentAnswer = { status: 200 | 202; body: string; replayed: boolean };

/**
 * The object's result for the route: a success as it is, a refusal as the AppError renderError turns into
 * the envelope. A replayed refusal keeps the time and path it was first given with, and says it is a replay.
 */
export function answered(result: PaymentResult): PaymentAnswer {
  if (result.ok) return { status: result.status, body: result.body, replayed: result.replayed };
  const { refusal, replayed } = result;
  throw new AppError(refusal.code, refusal.message, {
    errors: refusal.errors,
    details: refusal.details,
    answered: { at: refusal.answeredAt, path: refusal.path },
    headers: {
      ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
      ...(refusal.retryAfterSeconds !== undefined ? { 'Retry-After': String(refusal.retryAfterSeconds) } : {}),
    },
  });
}

/** Finds the transaction's object from (tenant, user, key) and lets it decide: execute, replay, 409 or 422. */
export async function processPayment(
  env: Bindings,
  config: Config,
  principal: Principal,
  idempotencyKey: string,
  body: ProcessPaymentBody,
  ctx: ProcessContext,
): Promise<PaymentAnswer> {
  const transactionId = await transactionIdFor(config.paymentIdKey, principal.tenantId, principal.sub, idempotencyKey);
  const result = await paymentStub(env, transactionId).process({
    transactionId,
    tenantId: principal.tenantId,
    userId: principal.sub,
    idempotencyKey,
    fingerprint: await fingerprint(body),
    request: body,
    requestId: ctx.requestId,
    path: ctx.path,
    context: {
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      accessToken: ctx.accessToken,
      verificationToken: ctx.verificationToken,
      cfBotScore: ctx.cfBotScore,
    },
  });
  return answered(result);
}

/** The owner or an admin of the same tenant; everyone else gets the same 404 as for an unknown id. */
export async function getTransaction(env: Bindings, principal: Principal, transactionId: string): Promise<TransactionView> {
  const snapshot = await paymentStub(env, transactionId).snapshot();
  if (!snapshot || snapshot.tenantId !== principal.tenantId || (principal.role !== 'admin' && snapshot.userId !== principal.sub)) {
    throw new NotFoundError('Transaction not found');
  }
  return {
    transaction: {
      id: snapshot.transactionId,
      userId: snapshot.userId,
      venueId: snapshot.venueId,
      eventId: snapshot.eventId,
      amount: snapshot.amount,
      currency: snapshot.currency,
      status: snapshot.status as TransactionView['transaction']['status'],
      refundedAmount: snapshot.refundedAmount,
      stripePaymentIntentId: snapshot.provider === 'stripe' ? snapshot.pspReference : null,
      createdAt: snapshot.createdAt,
      updatedAt: snapshot.updatedAt,
    },
    fees: publicFees(snapshot.fees),
    nftStatus: snapshot.mintJobId ? await mintJobOf(env, snapshot.tenantId, snapshot.mintJobId, snapshot.ticketIds ?? []) : null,
  };
}

/** The job from the tickets' own objects (an order holds a handful), so it is never behind the chain's confirmations. */
async function mintJobOf(env: Bindings, tenantId: string, jobId: string, ticketIds: string[]): Promise<MintJobView> {
  const views = await Promise.all(ticketIds.map((id) => ticketStub(env, tenantId, id).view(tenantId)));
  const states = views.flatMap((v) =>
    v?.nft ? [{ status: v.nft.status, transactionHash: v.nft.transactionHash, updatedAt: v.updatedAt }] : [],
  );
  return mintJobView(jobId, states);
}

/** The object checks ownership itself (owner or admin of the tenant, else 404) and decides idempotency. */
export async function refundPayment(
  env: Bindings,
  principal: Principal,
  transactionId: string,
  idempotencyKey: string,
  body: RefundBody,
  ctx: { requestId: string; path: string },
): Promise<PaymentAnswer> {
  const result = await paymentStub(env, transactionId).refund({
    tenantId: principal.tenantId,
    userId: principal.sub,
    isAdmin: principal.role === 'admin',
    idempotencyKey,
    fingerprint: await fingerprint({ transactionId, ...body }),
    amount: body.amount,
    reason: body.reason,
    requestId: ctx.requestId,
    path: ctx.path,
  });
  return answered(result);
}
