import { afterEach, beforeEach } from 'vitest';
import { type Sandbox, startSandbox } from '../../../dev/sandbox/server.ts';
import type { SandboxProvider, SandboxSecrets } from '../../../dev/sandbox/types.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import type { InboundNotification } from '../../../src/psp/checkout.ts';
import type { TokenGrant, TokenSource } from '../../../src/psp/tokens.ts';
import { sandboxControl } from '../../dev/sandbox-control.ts';

/**
 * An adapter test's own sandbox: one emulated provider over real HTTP on 127.0.0.1, started before and closed
 * after each test, with webhooks recorded (not sent) so the test hands them to the adapter itself. Call at the
 * top level before the file's own hooks: its beforeEach runs first and its afterEach last.
 */
export function useProviderSandbox(createProvider: () => SandboxProvider, secrets: SandboxSecrets = {}) {
  let sandbox: Sandbox | undefined;
  const url = () => {
    if (!sandbox) throw new Error('the sandbox runs only inside a test');
    return sandbox.url;
  };
  const control = sandboxControl(url);
  beforeEach(async () => {
    sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [createProvider()], secrets });
    await control('POST', '/__sandbox/config', { webhooks: 'manual' });
  });
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });
  return {
    get url() {
      return url();
    },
    control,
  };
}

/** A recorded webhook as the app's route would hand it to the adapter (optionally at another URL). */
export function inboundOf(w: RecordedWebhook, url = w.url): InboundNotification {
  return { method: w.method ?? 'POST', url, headers: w.headers, rawBody: w.body };
}

/**
 * A token source that caches one token, as TokenBrokerDO behaves for one caller (its caching policy is tested
 * with the broker): `request` is the provider's token call; `issued` lists every token it handed out.
 */
export function cachingTokenSource(request: () => Promise<TokenGrant>): TokenSource & { issued: string[] } {
  let current: string | null = null;
  const source: TokenSource & { issued: string[] } = {
    issued: [],
    async token() {
      if (!current) {
        current = (await request()).accessToken;
        source.issued.push(current);
      }
      return current;
    },
    async invalidate(token) {
      if (current === token) current = null;
    },
  };
  return source;
}
