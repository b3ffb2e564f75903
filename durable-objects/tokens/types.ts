import type { TokenCredentials } from '../../src/psp/tokens';

/** TokenBrokerDO's contract. */
export type BrokerCredentials = TokenCredentials;
export type BrokeredToken = { accessToken: string; expiresAt: number };
export type TryTokenResult = ({ ok: true } & BrokeredToken) | { ok: false; status: number | null };
