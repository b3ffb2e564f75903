import { type AdyenAmount, type Obj, unprocessable } from './objects.ts';

/**
 * Request validation after the v71 extract (shared/psp/openapi/adyen-checkout.json): required fields,
 * types, enums, maxLength, unknown properties (the schemas are additionalProperties: false).
 */
const SESSION_FIELDS = new Set([
  'accountInfo',
  'additionalAmount',
  'additionalData',
  'allowedPaymentMethods',
  'amount',
  'applicationInfo',
  'authenticationData',
  'billingAddress',
  'blockedPaymentMethods',
  'captureDelayHours',
  'channel',
  'company',
  'countryCode',
  'dateOfBirth',
  'deliverAt',
  'deliveryAddress',
  'enableOneClick',
  'enablePayOut',
  'enableRecurring',
  'expiresAt',
  'fundOrigin',
  'fundRecipient',
  'installmentOptions',
  'lineItems',
  'mandate',
  'mcc',
  'merchantAccount',
  'merchantOrderReference',
  'metadata',
  'mode',
  'mpiData',
  'platformChargebackLogic',
  'recurringExpiry',
  'recurringFrequency',
  'recurringProcessingModel',
  'redirectFromIssuerMethod',
  'redirectToIssuerMethod',
  'reference',
  'returnUrl',
  'riskData',
  'shopperEmail',
  'shopperIP',
  'shopperInteraction',
  'shopperLocale',
  'shopperName',
  'shopperReference',
  'shopperStatement',
  'showInstallmentAmount',
  'showRemovePaymentMethodButton',
  'socialSecurityNumber',
  'splitCardFundingSources',
  'splits',
  'store',
  'storeFiltrationMode',
  'storePaymentMethod',
  'storePaymentMethodMode',
  'telephoneNumber',
  'themeId',
  'threeDS2RequestData',
  'threeDSAuthenticationOnly',
  'trustedShopper',
]);

const REFUND_FIELDS = new Set([
  'amount',
  'applicationInfo',
  'capturePspReference',
  'enhancedSchemeData',
  'lineItems',
  'merchantAccount',
  'merchantRefundReason',
  'reference',
  'splits',
  'store',
]);

export const REFUND_REASONS = ['FRAUD', 'CUSTOMER REQUEST', 'RETURN', 'DUPLICATE', 'OTHER'];
const MAX_SESSION_MS = 24 * 60 * 60 * 1000;
/** Clock skew allowed between the caller's "now + 24 h" and ours. */
const SKEW_MS = 5_000;

function unknownFields(body: Obj, known: Set<string>, structure: string) {
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length) throw unprocessable('702', `Structure ${structure} contains the following unknown fields: [${unknown.join(', ')}]`);
}

function requiredString(body: Obj, field: string, code = '702', message = `Required field '${field}' is not provided.`): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw unprocessable(code, message);
  if (typeof value !== 'string') throw unprocessable('702', `Field '${field}' must be a string`);
  return value;
}

function optionalString(body: Obj, field: string, maxLength = Number.POSITIVE_INFINITY): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw unprocessable('702', `Field '${field}' must be a string`);
  if (value.length > maxLength) throw unprocessable('702', `Field '${field}' exceeds the maximum length of ${maxLength}`);
  return value;
}

export function amountOf(value: unknown): AdyenAmount {
  if (value === undefined || value === null) throw unprocessable('100', 'No amount specified');
  if (typeof value !== 'object' || Array.isArray(value)) throw unprocessable('702', "Field 'amount' must be an object");
  const a = value as Obj;
  if (!Number.isSafeInteger(a.value) || a.value < 0) throw unprocessable('137', 'Invalid amount specified');
  if (typeof a.currency !== 'string' || !/^[A-Z]{3}$/.test(a.currency))
    throw unprocessable('702', "Field 'amount.currency' must be 3 letters");
  return { value: a.value, currency: a.currency };
}

export type ValidSession = {
  merchantAccount: string;
  amount: AdyenAmount;
  reference: string;
  returnUrl: string;
  mode: 'embedded' | 'hosted';
  expiresAt: number;
};

export function validateCreateSession(body: Obj, now: number): ValidSession {
  unknownFields(body, SESSION_FIELDS, 'CreateCheckoutSessionRequest');
  const merchantAccount = requiredString(body, 'merchantAccount');
  const amount = amountOf(body.amount);
  const reference = requiredString(body, 'reference');
  const returnUrl = requiredString(body, 'returnUrl', '14_030', 'Return URL is missing.');
  if (returnUrl.length > 8000) throw unprocessable('702', "Field 'returnUrl' exceeds the maximum length of 8000");
  const mode = optionalString(body, 'mode') ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'hosted') throw unprocessable('702', `Field 'mode' must be one of embedded, hosted`);
  for (const field of ['shopperEmail', 'countryCode', 'shopperLocale', 'shopperReference', 'channel']) optionalString(body, field);
  let expiresAt = now + 60 * 60 * 1000;
  const given = optionalString(body, 'expiresAt');
  if (given !== undefined) {
    const parsed = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(given) ? Date.parse(given) : Number.NaN;
    if (!Number.isFinite(parsed)) throw unprocessable('702', "Field 'expiresAt' must be an ISO 8601 date-time");
    if (parsed > now + MAX_SESSION_MS + SKEW_MS)
      throw unprocessable('702', 'expiresAt cannot be more than 24 hours after session creation');
    if (parsed <= now) throw unprocessable('702', 'expiresAt must be in the future');
    expiresAt = parsed;
  }
  const metadata = body.metadata;
  if (metadata !== undefined) {
    if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata))
      throw unprocessable('702', "Field 'metadata' must be an object");
    const entries = Object.entries(metadata as Obj);
    if (entries.length > 20) throw unprocessable('702', 'Metadata exceeds 20 key-value pairs');
    for (const [key, value] of entries) {
      if (typeof value !== 'string') throw unprocessable('702', `Metadata value of '${key}' must be a string`);
      if (key.length > 20) throw unprocessable('702', `Metadata key '${key}' exceeds 20 characters`);
      if (value.length > 80) throw unprocessable('702', `Metadata value of '${key}' exceeds 80 characters`);
    }
  }
  return { merchantAccount, amount, reference, returnUrl, mode, expiresAt };
}

export type ValidRefund = { merchantAccount: string; amount: AdyenAmount; reference?: string };

export function validateRefund(body: Obj): ValidRefund {
  unknownFields(body, REFUND_FIELDS, 'PaymentRefundRequest');
  const merchantAccount = requiredString(body, 'merchantAccount');
  const amount = amountOf(body.amount);
  if (amount.value === 0) throw unprocessable('137', 'Invalid amount specified');
  const reference = optionalString(body, 'reference', 80);
  const reason = body.merchantRefundReason;
  if (reason !== undefined && reason !== null && !REFUND_REASONS.includes(reason)) {
    throw unprocessable('702', `Field 'merchantRefundReason' must be one of ${REFUND_REASONS.join(', ')}`);
  }
  return { merchantAccount, amount, ...(reference !== undefined ? { reference } : {}) };
}
