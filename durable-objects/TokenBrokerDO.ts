import { DurableObject } from 'cloudflare:workers';
import { isTokenUsable } from '../src/domain/token-expiry';
import { Deadline } from '../src/psp/http';
import { TOKEN_CLIENTS } from '../src/psp/token-clients';
import { type TokenGrant, TokenRequestError } from '../src/psp/tokens';
import { applySchema } from './sql';
import type { BrokerCredentials, BrokeredToken, TryTokenResult } from './tokens/types';

/**
 * One object per (provider, client id): the cached OAuth access token of that credential set, shared by
 * every caller (no external lock needed). A token is handed out while more than 60 s of it is
 * left; otherwise exactly one upstream request is made however many callers wait — single-flight through
 * an in-memory promise, because awaiting fetch opens the object's input gate to other calls. The grant is
 * kept in storage, so an evicted object does not fetch again. Tokens are never logged.
 * `credentials.timeoutMs` is what is left of the caller's PSP operation: a caller never waits longer than
 * that (even on a fetch another caller started), and a refresh plus its fallback share it.
 */
const SCHEMA = [
  'CREATE TABLE grant_ (id INTEGER PRIMARY KEY CHECK (id = 1), access_token TEXT NOT NULL, expires_at INTEGER NOT NULL, refresh_token TEXT, refresh_expires_at INTEGER, fetched_at INTEGER NOT NULL)',
] as const;

export class TokenBrokerDO extends DurableObject<Env> {
  private inflight: Promise<TokenGrant> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => applySchema(ctx.storage, SCHEMA));
  }

  private stored(): TokenGrant | null {
    const row = this.ctx.storage.sql
      .exec<{ access_token: string; expires_at: number; refresh_token: string | null; refresh_expires_at: number | null }>(
        'SELECT * FROM grant_ WHERE id = 1',
      )
      .toArray()[0];
    return row
      ? {
          accessToken: row.access_token,
          expiresAt: row.expires_at,
          refreshToken: row.refresh_token,
          refreshExpiresAt: row.refresh_expires_at,
        }
      : null;
  }

  /** A usable access token for these credentials; at most one upstream request in flight. */
  async token(credentials: BrokerCredentials): Promise<BrokeredToken> {
    const now = Date.now();
    const cached = this.stored();
    if (cached && isTokenUsable(cached.expiresAt, now)) return { accessToken: cached.accessToken, expiresAt: cached.expiresAt };
    const deadline = Deadline.after(credentials.timeoutMs);
    this.inflight ??= this.fetchGrant(credentials, cached, deadline).finally(() => {
      this.inflight = null;
    });
    const grant = await within(this.inflight, deadline, credentials.provider);
    return { accessToken: grant.accessToken, expiresAt: grant.expiresAt };
  }

  /** token() with a failure as a value: an error thrown over RPC loses its class and status. */
  async tryToken(credentials: BrokerCredentials): Promise<TryTokenResult> {
    try {
      return { ok: true, ...(await this.token(credentials)) };
    } catch (err) {
      if (err instanceof TokenRequestError) return { ok: false, status: err.status };
      throw err;
    }
  }

  /**
   * The provider refused `accessToken` (401): forget it if it is still the cached one, so the next
   * token() fetches a new one. A token that was already replaced is left alone (another caller did it).
   */
  invalidate(accessToken: string): boolean {
    const rows = this.ctx.storage.sql.exec('DELETE FROM grant_ WHERE id = 1 AND access_token = ? RETURNING id', accessToken).toArray();
    return rows.length === 1;
  }

  private async fetchGrant(credentials: BrokerCredentials, previous: TokenGrant | null, deadline: Deadline): Promise<TokenGrant> {
    const now = Date.now();
    const client = TOKEN_CLIENTS[credentials.provider];
    const left = () => ({ ...credentials, timeoutMs: deadline.remaining() });
    let grant: TokenGrant | null = null;
    if (client.refresh && previous?.refreshToken && previous.refreshExpiresAt !== null && isTokenUsable(previous.refreshExpiresAt, now)) {
      // The refresh endpoint (QPay) while the refresh token is valid; a refused refresh falls back to a new grant.
      grant = await client.refresh(left(), previous.refreshToken).catch(() => null);
      if (!grant && !deadline.allows(0)) throw new TokenRequestError(null, `${credentials.provider} token refresh used the time there was`);
    }
    grant ??= await client.request(left());
    this.ctx.storage.sql.exec(
      `INSERT INTO grant_ (id, access_token, expires_at, refresh_token, refresh_expires_at, fetched_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET access_token = excluded.access_token, expires_at = excluded.expires_at,
         refresh_token = excluded.refresh_token, refresh_expires_at = excluded.refresh_expires_at, fetched_at = excluded.fetched_at`,
      grant.accessToken,
      grant.expiresAt,
      grant.refreshToken,
      grant.refreshExpiresAt,
      Date.now(),
    );
    return grant;
  }
}

/** `grant`, or a TokenRequestError once the deadline passes (the fetch itself goes on for the callers still waiting). */
async function within(grant: Promise<TokenGrant>, deadline: Deadline, provider: string): Promise<TokenGrant> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TokenRequestError(null, `${provider} token not obtained in time`)), deadline.remaining());
  });
  try {
    return await Promise.race([grant, expired]);
  } finally {
    clearTimeout(timer);
  }
}
