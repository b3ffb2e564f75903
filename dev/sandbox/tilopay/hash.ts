import { createHmac } from 'node:crypto';

/**
 * Tilopay OrderHash (community code mirroring the WooCommerce plugin, **unconfirmed** by Tilopay):
 * hex HMAC-SHA256 over
 *   api_Key=<key>&api_user=<user>&orderId=<tpt>&external_orden_id=<order>&amount=<number_format 2, "," thousands>
 *   &currency=<cur>&responseCode=<code>&auth=<auth>&email=<urlencoded email>
 * with key `${tpt}|${key}|${password}` (V2) or `${key}|${password}` (V1). Only the email is url-encoded (PHP urlencode).
 */
export function numberFormat2(hundredths: number): string {
  const whole = Math.floor(hundredths / 100).toString();
  const fraction = (hundredths % 100).toString().padStart(2, '0');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

export function phpUrlencode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

export type OrderHashInput = {
  version: 'V1' | 'V2';
  apiKey: string;
  apiUser: string;
  apiPassword: string;
  tpt: string;
  orderNumber: string;
  hundredths: number;
  currency: string;
  code: string;
  auth: string;
  email: string;
};

export function orderHash(p: OrderHashInput): string {
  const message =
    `api_Key=${p.apiKey}&api_user=${p.apiUser}&orderId=${p.tpt}&external_orden_id=${p.orderNumber}` +
    `&amount=${numberFormat2(p.hundredths)}&currency=${p.currency}&responseCode=${p.code}&auth=${p.auth}&email=${phpUrlencode(p.email)}`;
  const key = p.version === 'V2' ? `${p.tpt}|${p.apiKey}|${p.apiPassword}` : `${p.apiKey}|${p.apiPassword}`;
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}
