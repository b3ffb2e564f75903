import { randomBytes, randomInt } from 'node:crypto';

/** Adyen Checkout v71 objects and ServiceError bodies as the emulator keeps and returns them. */
export type Obj = Record<string, any>;
export type AdyenAmount = { value: number; currency: string };

/** The one key accepted with setting `auth: strict`; with `auth: any` (the default) any non-empty X-API-Key is accepted. */
export const ADYEN_SANDBOX_API_KEY = 'AQE_sandbox_edgepay_api_key';
export const ADYEN_API_VERSION = 'v71';

export type AdyenSession = {
  id: string;
  request: Obj;
  response: Obj;
  merchantAccount: string;
  reference: string;
  amount: AdyenAmount;
  expiresAt: number;
  status: 'active' | 'completed' | 'expired' | 'refused';
  payments: Obj[];
};

export type AdyenPayment = {
  pspReference: string;
  sessionId: string;
  merchantAccount: string;
  merchantReference: string;
  amount: AdyenAmount;
  /** Sum of successful refunds, Adyen minor units. */
  refunded: number;
};

export type AdyenState = { sessions: Map<string, AdyenSession>; payments: Map<string, AdyenPayment> };
export const emptyAdyenState = (): AdyenState => ({ sessions: new Map(), payments: new Map() });

const UPPER_ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Adyen's 16-character pspReference (upper-case alphanumeric). */
export function pspReference(): string {
  let out = '';
  for (let i = 0; i < 16; i++) out += UPPER_ALNUM[randomInt(UPPER_ALNUM.length)];
  return out;
}

/** Session ids look like CS451F2AB1ED897A94. */
export const checkoutSessionId = () => `CS${randomBytes(8).toString('hex').toUpperCase()}`;
export const sessionData = () => `Ab02b4c0!${randomBytes(48).toString('base64')}`;

/** ServiceError body { status, errorCode, message, errorType[, pspReference] }. */
export class AdyenFailure extends Error {
  readonly status: number;
  readonly body: Obj;
  constructor(status: number, errorCode: string, message: string, errorType = 'validation') {
    super(message);
    this.status = status;
    this.body = { status, errorCode, message, errorType, pspReference: pspReference() };
  }
}

export const unauthorized = () => new AdyenFailure(401, '000', 'HTTP Status Response - Unauthorized', 'security');
/** Validation failures: 422 (missing returnUrl is the documented 14_030; other codes are the emulator's choice). */
export const unprocessable = (errorCode: string, message: string) => new AdyenFailure(422, errorCode, message);

/** Adyen writes dates as 2022-01-11T13:53:18+00:00 (no milliseconds, numeric offset). */
export function adyenDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
