/**
 * Adyen Checkout API v71 wire shapes the adapter sends and reads (schemas in
 * dev/sandbox/openapi/adyen-checkout.json). Amounts are minor units per Adyen's currency table.
 */
export type AdyenAmount = { value: number; currency: string };

/** CreateCheckoutSessionRequest: the subset of its properties the adapter sets. */
export type AdyenCreateSessionRequest = {
  merchantAccount: string;
  amount: AdyenAmount;
  reference: string;
  returnUrl: string;
  mode: 'hosted';
  expiresAt: string;
  metadata?: Record<string, string>;
  shopperEmail?: string;
};

/** CreateCheckoutSessionResponse (required: amount, expiresAt, id, merchantAccount, reference, returnUrl). */
export type AdyenCreateSessionResponse = {
  id: string;
  amount: AdyenAmount;
  expiresAt: string;
  merchantAccount: string;
  reference: string;
  returnUrl: string;
  mode?: 'embedded' | 'hosted';
  url?: string;
  sessionData?: string;
};

export const ADYEN_SESSION_STATUSES = ['active', 'canceled', 'completed', 'expired', 'paymentPending', 'refused'] as const;
export type AdyenSessionStatus = (typeof ADYEN_SESSION_STATUSES)[number];

/** PaymentRefundRequest: the subset the adapter sets (required: amount, merchantAccount). */
export type AdyenRefundRequest = {
  merchantAccount: string;
  amount: AdyenAmount;
  /** ≤ 80 characters. */
  reference: string;
};

/** PaymentRefundResponse: `status` is always "received"; the outcome arrives in a REFUND notification. */
export type AdyenRefundResponse = {
  pspReference: string;
  paymentPspReference: string;
  merchantAccount: string;
  amount: AdyenAmount;
  reference?: string;
  status: 'received';
};

/** ServiceError. */
export type AdyenServiceError = {
  status?: number;
  errorCode?: string;
  message?: string;
  errorType?: string;
  pspReference?: string;
};

/** One NotificationRequestItem of a standard notification (string booleans; amounts in Adyen minor units). */
export type AdyenNotificationItem = {
  eventCode: string;
  success: string;
  pspReference: string;
  originalReference?: string;
  merchantAccountCode: string;
  merchantReference: string;
  amount: AdyenAmount;
  eventDate?: string;
  reason?: string;
  paymentMethod?: string;
  operations?: string[];
  additionalData?: Record<string, string | undefined>;
};

export type AdyenNotificationRequest = {
  live: string;
  notificationItems: Array<{ NotificationRequestItem: AdyenNotificationItem }>;
};
