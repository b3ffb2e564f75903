import type { PspChargeOutcome, PspRefundOutcome } from '../types';

/** The Square Payment and Refund fields the adapter reads (CONTRACTS.md §3). */
export type SquareMoney = { amount: number; currency: string };
export type SquarePaymentStatus = 'APPROVED' | 'PENDING' | 'COMPLETED' | 'CANCELED' | 'FAILED';
export type SquarePayment = {
  id: string;
  status: SquarePaymentStatus;
  amount_money?: SquareMoney;
  total_money?: SquareMoney;
  reference_id?: string | null;
};
export type SquareRefundStatus = 'PENDING' | 'COMPLETED' | 'REJECTED' | 'FAILED';
export type SquareRefund = { id: string; status: SquareRefundStatus; amount_money: SquareMoney; payment_id?: string | null };

/** Exhaustive over Square's payment statuses (CONTRACTS.md §3.3). */
export function squarePaymentToOutcome(payment: SquarePayment): PspChargeOutcome {
  const status = payment.status;
  switch (status) {
    case 'COMPLETED':
      return {
        status: 'succeeded',
        reference: payment.id,
        chargeReference: null,
        amountReceived: (payment.total_money ?? payment.amount_money)?.amount ?? 0,
      };
    case 'APPROVED':
    case 'PENDING':
      return { status: 'processing', reference: payment.id };
    case 'FAILED':
      return { status: 'declined', reference: payment.id, declineCode: 'failed', message: 'The payment failed' };
    case 'CANCELED':
      return { status: 'canceled', reference: payment.id };
    default: {
      const unknown: never = status;
      throw new Error(`unknown Square payment status ${String(unknown)}`);
    }
  }
}

export function squareRefundToOutcome(refund: SquareRefund): PspRefundOutcome {
  const status = refund.status;
  switch (status) {
    case 'COMPLETED':
      return { status: 'succeeded', reference: refund.id, amount: refund.amount_money.amount };
    case 'PENDING':
      return { status: 'pending', reference: refund.id, amount: refund.amount_money.amount };
    case 'REJECTED':
    case 'FAILED':
      return { status: 'failed', reference: refund.id, amount: refund.amount_money.amount };
    default: {
      const unknown: never = status;
      throw new Error(`unknown Square refund status ${String(unknown)}`);
    }
  }
}
