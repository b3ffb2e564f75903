import type { SandboxContext } from './types.ts';

/**
 * The hosted pages a person sees at the URLs the emulators hand out (Stripe Checkout, a payment link, PayPal's
 * approval, 3-D Secure, …): plain server-rendered HTML with one form. GET shows what is being paid and the
 * buttons; a POST of the form with `action=<id>` does what the button says through the same code as
 * POST /__sandbox/complete, then sends the browser where the provider would (303), or shows the outcome.
 * Page views are not API calls: they are not recorded in /__sandbox/requests and no knob applies to them.
 */
export type PageAmount = {
  value: number;
  currency: string;
  /** 'minor': `value` is in the currency's minor units (Stripe, Adyen, Square, PayPal); 'major': in whole units. */
  unit: 'minor' | 'major';
};

export type PageView = {
  /** Who runs the page, e.g. "Stripe Checkout". */
  provider: string;
  merchant: string;
  description: string;
  amount: PageAmount | null;
  /** Buttons, in order; the first is the primary one. None: the page only informs (paid, expired, …). */
  actions: Array<{ id: string; label: string }>;
  /** A line above the buttons, e.g. why the last attempt did not go through. */
  notice?: string;
  /** HTTP status of the page (200 unless it reports a problem). */
  status?: number;
};

/** What a button did: send the browser on (the provider's redirect), or show a page. */
export type PageOutcome = { redirect: string } | { view: PageView };

export type HostedPage = {
  view: PageView;
  /** Runs a button of `view.actions`; an id not offered there is answered 400 by the server before this is called. */
  act(action: string, ctx: SandboxContext): PageOutcome | Promise<PageOutcome>;
};

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** The buttons of a hosted payment page (PayPal's approval page has its own). */
export const PAY_DECLINE_CANCEL = [
  { id: 'pay', label: 'Pay' },
  { id: 'decline', label: 'Decline' },
  { id: 'cancel', label: 'Cancel' },
];

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);

/** `12345 USD minor` → "$123.45"; the currency's own decimals (JPY none); an unknown code falls back to "123.45 XYZ". */
export function formatAmount(amount: PageAmount): string {
  const currency = amount.currency.toUpperCase();
  try {
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amount.unit === 'minor' ? amount.value / 10 ** digits : amount.value);
  } catch {
    const value = amount.unit === 'minor' ? (amount.value / 100).toFixed(2) : String(amount.value);
    return `${value} ${currency}`;
  }
}

/** `url` with `params` set in its query (kept in order); a URL that does not parse is returned as it is. */
export function withQuery(url: string, params: Record<string, string>): string {
  if (!URL.canParse(url)) return url;
  const out = new URL(url);
  for (const [name, value] of Object.entries(params)) out.searchParams.set(name, value);
  return out.toString();
}

/** The context with one provider setting forced, e.g. the Decline button as `authorisation: refused`. */
export function withSetting(ctx: SandboxContext, name: string, value: string): SandboxContext {
  return { ...ctx, setting: (n) => (n === name ? value : ctx.setting(n)) };
}

/** An information page without buttons, as a button's outcome. */
export function message(provider: string, text: string, status = 200): PageOutcome {
  return { view: { provider, merchant: '', description: '', amount: null, actions: [], notice: text, status } };
}

/** A page with nothing to press, e.g. for an id the provider does not know (404). */
export function infoPage(provider: string, text: string, status = 200): HostedPage {
  const outcome = message(provider, text, status);
  return { view: (outcome as { view: PageView }).view, act: () => outcome };
}

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem;color:#1a1f36}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;box-shadow:0 2px 8px #0002}
.provider{font-size:.85rem;color:#697386;text-transform:uppercase;letter-spacing:.05em;margin:0}
.sandbox{color:#b54708}
h1{font-size:2rem;margin:.5rem 0}
.merchant{font-weight:600;margin:.25rem 0}
.description{color:#3c4257;margin:.25rem 0 1rem}
.notice{background:#fff4e5;border-left:4px solid #f79009;padding:.5rem .75rem}
form{display:flex;flex-direction:column;gap:.5rem;margin-top:1rem}
button{font-size:1rem;padding:.7rem;border-radius:6px;border:1px solid #c1c9d2;background:#fff;cursor:pointer}
button.primary{background:#635bff;border-color:#635bff;color:#fff}
`;

/** The page as HTML. Every value is escaped; the form posts back to the page's own URL. */
export function renderPage(view: PageView): string {
  const amount = view.amount ? formatAmount(view.amount) : '';
  const title = [view.provider, amount].filter(Boolean).join(' — ');
  const buttons = view.actions
    .map(
      (a, i) =>
        `<button type="submit" name="action" value="${escapeHtml(a.id)}"${i === 0 ? ' class="primary"' : ''}>${escapeHtml(a.label)}</button>`,
    )
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <style>${STYLE}</style>
</head>
<body>
  <main>
    <p class="provider">${escapeHtml(view.provider)} <span class="sandbox">(edgepay sandbox)</span></p>
    ${amount ? `<h1 class="amount">${escapeHtml(amount)}</h1>` : ''}
    ${view.merchant ? `<p class="merchant">${escapeHtml(view.merchant)}</p>` : ''}
    ${view.description ? `<p class="description">${escapeHtml(view.description)}</p>` : ''}
    ${view.notice ? `<p class="notice" role="status">${escapeHtml(view.notice)}</p>` : ''}
    ${buttons ? `<form method="post">\n      ${buttons}\n    </form>` : ''}
  </main>
</body>
</html>
`;
}
