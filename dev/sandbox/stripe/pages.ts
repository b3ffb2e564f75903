import { type HostedPage, infoPage, message, PAY_DECLINE_CANCEL, type PageView, withQuery } from '../pages.ts';
import type { SandboxContext } from '../types.ts';
import { linesTotal } from './catalog.ts';
import { expireIfDue, paySession } from './checkout-sessions.ts';
import { completeAuthentication, failAuthentication } from './payment-intents.ts';
import { payLink } from './payment-links.ts';
import { customerCall, type IntentEntry, type LineEntry, type LinkEntry, type SessionEntry, type StripeState } from './state.ts';

/**
 * Stripe's hosted pages: Checkout (`url` of a session, /stripe/checkout/cs_…), a Payment Link (/stripe/buy/…)
 * and the 3-D Secure redirect of a PaymentIntent (/__sandbox/3ds/pi_…). Pay and Complete authentication are
 * exactly complete() of the sandbox; then the browser goes where Stripe sends it: success_url with
 * {CHECKOUT_SESSION_ID} replaced, the link's after_completion redirect, or the return_url given at confirmation
 * with payment_intent, payment_intent_client_secret and redirect_status.
 */
const CHECKOUT = 'Stripe Checkout';
const THREE_DS = '3-D Secure — Stripe test card';
const DECLINED = 'Your card was declined. Try again, or cancel.';

const merchantOf = (owner: string) => (owner ? `Connected account ${owner}` : 'edgepay (platform account)');
const describeLines = (lines: LineEntry[]) => lines.map((l) => `${l.quantity} × ${l.description}`).join(', ');
const withSessionId = (url: string, id: string) => url.replaceAll('{CHECKOUT_SESSION_ID}', id);

export function stripePage(path: string, state: StripeState, ctx: SandboxContext): HostedPage | null {
  const checkout = /^\/stripe\/checkout\/(cs_[A-Za-z0-9_]+)$/.exec(path);
  if (checkout) {
    const entry = state.sessions.get(checkout[1] as string);
    return entry ? sessionPage(state, entry, ctx) : infoPage(CHECKOUT, 'No such Checkout Session.', 404);
  }
  if (/^\/stripe\/buy\/[A-Za-z0-9_]+$/.test(path)) {
    const entry = [...state.links.values()].find((l) => new URL(l.object.url).pathname === path);
    return entry ? linkPage(state, entry) : infoPage(CHECKOUT, 'No such payment link.', 404);
  }
  const threeDs = /^\/__sandbox\/3ds\/(pi_[A-Za-z0-9]+)$/.exec(path);
  if (threeDs) {
    const entry = state.intents.get(threeDs[1] as string);
    return entry ? authenticationPage(state, entry) : infoPage(THREE_DS, 'No such PaymentIntent.', 404);
  }
  return null;
}

function sessionView(entry: SessionEntry, notice?: string): PageView {
  const s = entry.object;
  const view: PageView = {
    provider: CHECKOUT,
    merchant: merchantOf(entry.owner),
    description: entry.intentData.description ?? describeLines(entry.lines),
    amount: { value: s.amount_total, currency: s.currency, unit: 'minor' },
    actions: [],
    ...(notice ? { notice } : {}),
  };
  if (s.status === 'open') return { ...view, actions: PAY_DECLINE_CANCEL };
  if (s.status === 'expired') return { ...view, notice: 'This Checkout Session has expired.', status: 410 };
  if (s.payment_status === 'unpaid') return { ...view, notice: 'Your payment is processing.' };
  return { ...view, notice: 'This Checkout Session is already paid.' };
}

function sessionPage(state: StripeState, entry: SessionEntry, ctx: SandboxContext): HostedPage {
  expireIfDue(customerCall(ctx, state, entry), entry);
  return {
    view: sessionView(entry),
    act(action, actCtx) {
      const s = entry.object;
      if (action === 'decline') return { view: sessionView(entry, DECLINED) };
      if (action === 'cancel') {
        return s.cancel_url ? { redirect: s.cancel_url } : message(CHECKOUT, 'You left the checkout; the session stays open.');
      }
      const paid = paySession(customerCall(actCtx, state, entry), entry);
      if (paid !== true) return { view: sessionView(entry) };
      return s.success_url ? { redirect: withSessionId(s.success_url, s.id) } : { view: sessionView(entry) };
    },
  };
}

function linkPage(state: StripeState, entry: LinkEntry): HostedPage {
  const link = entry.object;
  const view: PageView = {
    provider: CHECKOUT,
    merchant: merchantOf(entry.owner),
    description: entry.intentData.description ?? describeLines(entry.lines),
    amount: { value: linesTotal(entry.lines), currency: link.currency, unit: 'minor' },
    actions: link.active ? PAY_DECLINE_CANCEL : [],
    ...(link.active ? {} : { notice: 'This link is no longer active.', status: 410 }),
  };
  return {
    view,
    act(action, ctx) {
      if (action === 'decline') return { view: { ...view, notice: DECLINED } };
      if (action === 'cancel') return message(CHECKOUT, 'You left the payment page; nothing was charged.');
      const paid = payLink(customerCall(ctx, state, entry), entry);
      if (paid === 'inactive') return message(CHECKOUT, 'This link is no longer active.', 410);
      const after = link.after_completion;
      if (after.type === 'redirect') return { redirect: withSessionId(after.redirect.url, paid.session.object.id) };
      return {
        view: { ...view, actions: [], notice: after.hosted_confirmation?.custom_message ?? 'Thanks for your payment.' },
      };
    },
  };
}

function authenticationPage(state: StripeState, entry: IntentEntry): HostedPage {
  const pi = entry.object;
  const pending = pi.status === 'requires_action' && entry.paymentMethod !== null;
  const view: PageView = {
    provider: THREE_DS,
    merchant: merchantOf(entry.owner),
    description: pi.description ?? `Payment ${pi.id}`,
    amount: { value: pi.amount, currency: pi.currency, unit: 'minor' },
    actions: pending
      ? [
          { id: 'complete', label: 'Complete authentication' },
          { id: 'fail', label: 'Fail authentication' },
        ]
      : [],
    ...(pending ? {} : { notice: `There is nothing to authenticate: the payment is ${pi.status}.` }),
  };
  return {
    view,
    act(action, ctx) {
      const call = customerCall(ctx, state, entry);
      const passed = action === 'complete';
      if (!(passed ? completeAuthentication(call, entry) : failAuthentication(call, entry))) return { view };
      const result = passed ? 'Authentication complete.' : 'Authentication failed.';
      if (!entry.returnUrl) return { view: { ...view, actions: [], notice: result } };
      return {
        redirect: withQuery(entry.returnUrl, {
          payment_intent: pi.id,
          payment_intent_client_secret: pi.client_secret,
          redirect_status: passed ? 'succeeded' : 'failed',
        }),
      };
    },
  };
}
