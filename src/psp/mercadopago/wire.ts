/**
 * MercadoPago wire shapes (official Node SDK types). Money is a JSON number of major units.
 */
export type MercadoPagoItem = { id: string; title: string; quantity: number; unit_price: number; currency_id: string };

/** POST /checkout/preferences body (the fields the adapter sets). */
export type MercadoPagoPreferenceRequest = {
  items: MercadoPagoItem[];
  back_urls: { success: string; failure: string; pending: string };
  auto_return: 'approved';
  external_reference: string;
  notification_url: string;
  expires: true;
  /** ISO 8601 with an offset, e.g. 2026-02-01T12:00:00.000+00:00. */
  expiration_date_to: string;
  metadata: Record<string, string>;
  payer?: { email: string };
};

export type MercadoPagoPreference = {
  id: string;
  init_point?: string;
  sandbox_init_point?: string;
  external_reference?: string;
  expires?: boolean;
  expiration_date_to?: string | null;
};

export const MERCADOPAGO_PAYMENT_STATUSES = [
  'pending',
  'approved',
  'authorized',
  'in_process',
  'in_mediation',
  'rejected',
  'cancelled',
  'refunded',
  'charged_back',
] as const;
export type MercadoPagoPaymentStatus = (typeof MERCADOPAGO_PAYMENT_STATUSES)[number];

/** GET /v1/payments/{id} (the fields the adapter reads). */
export type MercadoPagoPayment = {
  id: number;
  status: MercadoPagoPaymentStatus;
  status_detail?: string | null;
  transaction_amount: number;
  transaction_amount_refunded?: number | null;
  currency_id: string;
  external_reference?: string | null;
  date_created?: string;
  date_approved?: string | null;
};

export type MercadoPagoRefundStatus = 'approved' | 'in_process' | 'rejected';

/** POST /v1/payments/{id}/refunds response. */
export type MercadoPagoRefund = { id: number; payment_id: number; amount: number; status: MercadoPagoRefundStatus };

/** Error body: { message, error, status, cause: [{ code, description }] }. */
export type MercadoPagoError = {
  message?: string;
  error?: string;
  status?: number;
  cause?: Array<{ code?: string | number; description?: string }>;
};

/** Webhook body (the payment is only named: read it with GET /v1/payments/{data.id}). */
export type MercadoPagoWebhookBody = {
  id?: number | string;
  live_mode?: boolean;
  type?: string;
  date_created?: string;
  user_id?: number | string;
  api_version?: string;
  action?: string;
  data?: { id?: string | number };
};
