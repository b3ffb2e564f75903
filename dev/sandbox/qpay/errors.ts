import type { SandboxResponse } from '../types.ts';

/**
 * QPay error bodies. qpay-sdk's docs name `{ error_code, message }` (unconfirmed); qpay-go's
 * response type and most community clients read `{ error, message }`. The emulator sends both keys with the
 * same code so that a client reading either one works; messages are the English texts of QPay's error table.
 */
const MESSAGES: Record<string, string> = {
  AUTHENTICATION_FAILED: 'Your username and password are wrong!',
  INVALID_REFRESH_TOKEN: 'Refresh token is invalid or expired!',
  NO_CREDENDIALS: 'Your credential is invalid. Please login!',
  INVOICE_CODE_INVALID: 'Invoice code is wrong!',
  INVOICE_NOTFOUND: 'Invoice is not found!',
  INVOICE_PAID: 'Invoice is paid!',
  INVOICE_ALREADY_CANCELED: 'Invoice is already cancelled!',
  INVALID_AMOUNT: 'Amount is invalid!',
  INVALID_OBJECT_TYPE: 'Object type is invalid!',
  PAYMENT_NOTFOUND: 'Payment is not found!',
  PAYMENT_NOT_PAID: 'Payment has not paid!',
  PAYMENT_ALREADY_CANCELED: 'Payment is already cancelled!',
  NOT_FOUND: 'Endpoint is not found!',
  INTERNAL_ERROR: 'Internal server error!',
};

export function qpayErrorBody(code: string, message?: string): { error: string; error_code: string; message: string } {
  return { error: code, error_code: code, message: message ?? MESSAGES[code] ?? code };
}

export function qpayError(status: number, code: string, message?: string): SandboxResponse {
  return { status, body: qpayErrorBody(code, message) };
}

/** Raised inside an operation; the provider turns it into the error response. */
export class QpayFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message?: string) {
    super(message ?? MESSAGES[code] ?? code);
    this.status = status;
    this.code = code;
  }
}
