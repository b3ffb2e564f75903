import { requestPaypalToken } from './paypal/token';
import { refreshQpayToken, requestQpayToken } from './qpay/token';
import { requestTilopayToken } from './tilopay/token';
import type { TokenCredentials, TokenGrant, TokenProvider } from './tokens';

/** Each provider's token calls, for TokenBrokerDO. `refresh` only where the provider has a refresh grant (QPay). */
export type TokenClient = {
  request(credentials: TokenCredentials): Promise<TokenGrant>;
  refresh?(credentials: TokenCredentials, refreshToken: string): Promise<TokenGrant>;
};

export const TOKEN_CLIENTS: Record<TokenProvider, TokenClient> = {
  qpay: { request: (c) => requestQpayToken(c), refresh: (c, rt) => refreshQpayToken(c, rt) },
  paypal: { request: (c) => requestPaypalToken(c) },
  tilopay: { request: (c) => requestTilopayToken(c) },
};
