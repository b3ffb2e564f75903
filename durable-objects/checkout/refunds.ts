import { scheduledBackoff } from '../../src/domain/backoff';
import type { CheckoutRefundResult } from '../../src/psp/checkout';
import type { RefundRow } from './schema';

/** The refunds table: our refund requests, what the provider answered, and the checks of pending ones. */

const REFUND_CHECK_BACKOFF_MS = [5_000, 15_000, 60_000, 300_000];

/** Amount requested or pending: counted against what is still refundable. */
export function inFlightAmount(rows: RefundRow[]): number {
  return rows.filter((r) => r.status === 'requested' || r.status === 'pending').reduce((s, r) => s + r.amount, 0);
}

export function succeededAmount(rows: RefundRow[]): number {
  return rows.filter((r) => r.status === 'succeeded').reduce((s, r) => s + r.amount, 0);
}

export function insertRequestedRefund(sql: SqlStorage, refundId: string, requestHash: string, amount: number, now: number): void {
  sql.exec(
    "INSERT INTO refunds (refund_id, request_hash, amount, status, created_at, updated_at) VALUES (?, ?, ?, 'requested', ?, ?)",
    refundId,
    requestHash,
    amount,
    now,
    now,
  );
}

export function deleteRefund(sql: SqlStorage, refundId: string): void {
  sql.exec('DELETE FROM refunds WHERE refund_id = ?', refundId);
}

/** The provider's answer to one of our refunds; a pending one it can be asked about again gets its first check time. */
export function recordRefundResult(sql: SqlStorage, refundId: string, result: CheckoutRefundResult, pollable: boolean, now: number): void {
  sql.exec(
    `UPDATE refunds SET status = ?, provider_refund_id = COALESCE(?, provider_refund_id), next_check_at = ?,
       version = version + 1, updated_at = ? WHERE refund_id = ?`,
    result.status,
    result.reference || null,
    pollable ? now + scheduledBackoff(REFUND_CHECK_BACKOFF_MS, 0) : null,
    now,
    refundId,
  );
}

/**
 * A refund notification: ours (by provider id or our refund id) or one made elsewhere (dashboard), recorded too.
 * False when it concerns one of ours that is final already, so nothing changed.
 */
export function recordRefundNotification(
  sql: SqlStorage,
  rows: RefundRow[],
  providerRefundId: string,
  refundId: string | null,
  status: CheckoutRefundResult['status'],
  amount: number,
  now: number,
): boolean {
  const ours =
    rows.find((r) => r.provider_refund_id === providerRefundId) ?? (refundId ? rows.find((r) => r.refund_id === refundId) : undefined);
  if (ours) {
    if (ours.status === 'succeeded' || ours.status === 'failed') return false; // final already
    sql.exec(
      `UPDATE refunds SET status = ?, provider_refund_id = ?, next_check_at = NULL, version = version + 1, updated_at = ? WHERE refund_id = ?`,
      status,
      providerRefundId,
      now,
      ours.refund_id,
    );
  } else if (amount > 0) {
    sql.exec(
      `INSERT INTO refunds (refund_id, request_hash, amount, status, provider_refund_id, created_at, updated_at)
       VALUES (?, '', ?, ?, ?, ?, ?) ON CONFLICT (refund_id) DO NOTHING`,
      `ext_${providerRefundId}`,
      amount,
      status,
      providerRefundId,
      now,
      now,
    );
  }
  return true;
}

/** A pending refund whose check is due and that the provider can be asked about. */
export function refundCheckDue(row: RefundRow, now: number): row is RefundRow & { provider_refund_id: string } {
  return row.status === 'pending' && row.next_check_at !== null && row.next_check_at <= now && Boolean(row.provider_refund_id);
}

/** The provider had no final answer yet: ask again later, backing off. */
export function scheduleRefundCheck(sql: SqlStorage, row: RefundRow, now: number): void {
  const checks = row.checks + 1;
  const delay = scheduledBackoff(REFUND_CHECK_BACKOFF_MS, checks);
  sql.exec('UPDATE refunds SET checks = ?, next_check_at = ? WHERE refund_id = ?', checks, now + delay, row.refund_id);
}
