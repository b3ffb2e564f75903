import { publicFees } from '../../src/domain/fees';
import { toApiStatus } from '../../src/domain/payment-state';
import { type AppError, toErrorBody } from '../../src/lib/errors';
import type { PaymentRow } from './schema';
import type { Fees } from './snapshot';

/** A reply before serialization: what a handler returns and the idempotency record stores. */
export type Reply = { status: number; body: unknown };

/** What an RPC returns to the Worker: the serialized body, and whether it was replayed from the idempotency record. */
export type ObjectResponse = { status: number; body: string; replayed: boolean };

type RequestRef = { path: string; requestId: string };

export function errorReply(input: RequestRef, err: AppError, extra: Record<string, unknown> = {}): Reply {
  return { status: err.status, body: { ...toErrorBody(err, input.path, input.requestId, new Date()), ...extra } };
}

export function errorResponse(input: RequestRef, err: AppError): ObjectResponse {
  const r = errorReply(input, err);
  return { status: r.status, body: JSON.stringify(r.body), replayed: false };
}

/** The success body of a payment request (200, or 202 while the PSP is still processing). nftStatus stays null until NFT minting ships. */
export function successBody(row: PaymentRow) {
  return {
    success: true,
    transaction: {
      id: row.transaction_id,
      amount: row.amount,
      currency: row.currency,
      status: toApiStatus(row.state),
      stripePaymentIntentId: row.provider === 'stripe' ? row.psp_reference : null,
      metadata: {},
    },
    fees: publicFees(JSON.parse(row.fees) as Fees),
    nftStatus: null,
  };
}
