import { randomInt } from 'node:crypto';

/** MercadoPago objects and error bodies as the emulator keeps and returns them. */
export type Obj = Record<string, any>;

/** The collector (seller) every sandbox preference belongs to; also the webhook's user_id. */
export const MERCADOPAGO_COLLECTOR_ID = 202809963;
export const MERCADOPAGO_CLIENT_ID = '6295877106812064';

/** Error body { message, error, status, cause: [{ code, description }] }. */
export class MercadoPagoFailure extends Error {
  readonly status: number;
  readonly body: Obj;
  constructor(status: number, error: string, message: string, cause: Array<{ code: string | number; description: string }> = []) {
    super(message);
    this.status = status;
    this.body = { message, error, status, cause };
  }
}

export const badRequest = (code: string | number, description: string) =>
  new MercadoPagoFailure(400, 'bad_request', description, [{ code, description }]);
export const notFound = (message: string, code: string | number = 'not_found') =>
  new MercadoPagoFailure(404, 'not_found', message, [{ code, description: message }]);

/** Numeric ids as MercadoPago uses for payments, refunds and notifications. */
export const numericId = () => randomInt(10_000_000_000, 99_999_999_999);

/**
 * Amounts are kept as integer hundredths so that sums never drift; on the wire they are JSON numbers of major
 * units (10.5, 5000). Two decimals cover every MercadoPago currency.
 */
export const toHundredths = (n: number) => Math.round(n * 100);
export const fromHundredths = (h: number) => h / 100;

export function hasAtMostTwoDecimals(n: number): boolean {
  return Number.isFinite(n) && Math.abs(toHundredths(n) - n * 100) < 1e-6;
}

/** MercadoPago's dates carry a numeric offset: 2026-02-01T12:00:00.000-04:00. */
export function mpDate(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '-00:00');
}

export type Preference = {
  body: Obj;
  totalHundredths: number;
  currency: string;
  expiresAt: number | null;
  paymentId: string | null;
};

export type Payment = {
  body: Obj;
  totalHundredths: number;
  /** Approved refunds. */
  refundedHundredths: number;
  /** Refunds still in_process (not available for another refund). */
  pendingHundredths: number;
  notificationUrl: string | null;
};

export type Refund = { body: Obj; paymentId: string };

export type MercadoPagoState = {
  preferences: Map<string, Preference>;
  payments: Map<string, Payment>;
  refunds: Map<string, Refund>;
};

export const emptyMercadoPagoState = (): MercadoPagoState => ({ preferences: new Map(), payments: new Map(), refunds: new Map() });
