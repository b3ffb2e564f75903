import type http from 'node:http';
import { type PageView, renderPage } from './pages.ts';
import type { OutgoingWebhook, SandboxContext, SandboxProvider } from './types.ts';
import type { RecordedWebhook } from './webhooks.ts';

function sendHtml(res: http.ServerResponse, view: PageView) {
  res.writeHead(view.status ?? 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(renderPage(view));
}

/** What serving a page needs from the sandbox server: its providers, a call context, and its webhook log. */
export type PageServerDeps = {
  providers: () => Iterable<SandboxProvider>;
  ctx: (provider: SandboxProvider, outbox: RecordedWebhook[]) => SandboxContext;
  sendAfter: (res: http.ServerResponse, outbox: RecordedWebhook[]) => void;
  /** Records a webhook the browser carries (Tilopay's redirect) without the sandbox sending it. */
  recordOnly: (webhook: OutgoingWebhook) => void;
};

export function createPageServer(deps: PageServerDeps) {
  /**
   * A provider's hosted page (pages.ts) at this URL: GET renders it, a form POST runs the pressed button with the
   * provider's settings (as /__sandbox/complete does) and answers 303 to where the provider sends the browser, or
   * with a page. False when no provider has a page here.
   */
  return async function servePage(req: http.IncomingMessage, res: http.ServerResponse, u: URL, raw: string): Promise<boolean> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return false;
    if (method === 'POST' && !req.headers['content-type']?.includes('application/x-www-form-urlencoded')) return false;
    const query = Object.fromEntries(u.searchParams);
    for (const provider of deps.providers()) {
      if (!provider.page) continue;
      const outbox: RecordedWebhook[] = [];
      let browserRedirect: string | null = null;
      const base = deps.ctx(provider, outbox);
      const pageCtx: SandboxContext = {
        ...base,
        emitWebhook: (webhook) => {
          if (!webhook.viaBrowser) return base.emitWebhook(webhook);
          browserRedirect ??= webhook.url;
          deps.recordOnly(webhook);
        },
      };
      const page = provider.page(u.pathname, query, pageCtx);
      if (!page) continue;
      deps.sendAfter(res, outbox);
      if (method !== 'POST') {
        sendHtml(res, page.view);
        return true;
      }
      const action = new URLSearchParams(raw).get('action');
      if (!action || !page.view.actions.some((a) => a.id === action)) {
        sendHtml(res, { ...page.view, notice: 'That button is not on this page; choose one of these.', status: 400 });
        return true;
      }
      const outcome = await page.act(action, pageCtx);
      const target = browserRedirect ?? ('redirect' in outcome ? outcome.redirect : null);
      if (target !== null && /^https?:\/\//i.test(target)) {
        res.writeHead(303, { location: target, 'cache-control': 'no-store' });
        res.end();
      } else if ('view' in outcome) sendHtml(res, outcome.view);
      else sendHtml(res, { ...page.view, actions: [], notice: 'Done. The merchant gave no http(s) address to return to.' });
      return true;
    }
    return false;
  };
}
