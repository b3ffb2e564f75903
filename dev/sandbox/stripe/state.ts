import type { SandboxContext } from '../types.ts';
import { TEST_CARDS, type TestCard } from './cards.ts';
import type { FormObject } from './form.ts';
import { invalid, type Obj, paymentMethodObject, stripeId } from './objects.ts';
import type { EventOrigin } from './webhooks.ts';

/**
 * What the Stripe emulator remembers. Objects belong to an owner — the Stripe-Account they were made under
 * ('' for the platform) — and are invisible to other owners, as on Stripe.
 */
export type IntentEntry = {
  owner: string;
  object: Obj;
  paymentMethod: PaymentMethodEntry | null;
  returnUrl: string | null;
  apiVersion: string;
};
export type PaymentMethodEntry = { id: string; card: TestCard; object: Obj };
export type Owned = { owner: string; object: Obj };

/** A line of a Checkout Session or Payment Link: the Price it sells (stored, or made inline from price_data) and how many. */
export type LineEntry = { price: Obj; quantity: number; description: string };
/** What a Checkout Session passes to the PaymentIntent it creates when the customer pays (payment_intent_data). */
export type IntentData = { metadata: Record<string, string>; description: string | null; transferDestination: string | null };
export type SessionEntry = Owned & { apiVersion: string; lines: LineEntry[]; intentData: IntentData };
export type LinkEntry = Owned & { apiVersion: string; lines: LineEntry[]; intentData: IntentData };
/** Payouts and disputes change later (sandbox complete(), a dispute's outcome): their events keep the API version they began under. */
export type VersionedEntry = Owned & { apiVersion: string };

export type StripeState = {
  intents: Map<string, IntentEntry>;
  charges: Map<string, Owned>;
  refunds: Map<string, Owned & { apiVersion: string }>;
  paymentMethods: Map<string, PaymentMethodEntry>;
  sessions: Map<string, SessionEntry>;
  products: Map<string, Owned>;
  prices: Map<string, Owned>;
  links: Map<string, LinkEntry>;
  payouts: Map<string, VersionedEntry>;
  transfers: Map<string, Owned>;
  disputes: Map<string, VersionedEntry>;
  /** Each owner's default external account (ba_…), where its payouts go unless told otherwise. */
  bankAccounts: Map<string, string>;
};

export const emptyState = (): StripeState => ({
  intents: new Map(),
  charges: new Map(),
  refunds: new Map(),
  paymentMethods: new Map(),
  sessions: new Map(),
  products: new Map(),
  prices: new Map(),
  links: new Map(),
  payouts: new Map(),
  transfers: new Map(),
  disputes: new Map(),
  bankAccounts: new Map(),
});

/** One API call, as the operations see it. */
export type Call = {
  ctx: SandboxContext;
  state: StripeState;
  params: FormObject;
  owner: string;
  origin: EventOrigin;
  livemode: boolean;
  /** Unix seconds. */
  now: number;
};

export type Result = { status: number; body: unknown };

/**
 * A call made by the customer rather than through the API (sandbox complete(), a hosted page): under the
 * object's owner and API version, with no request id or idempotency key.
 */
export function customerCall(ctx: SandboxContext, state: StripeState, entry: Owned & { apiVersion: string }): Call {
  return {
    ctx,
    state,
    params: {},
    owner: entry.owner,
    origin: { requestId: null, idempotencyKey: null, account: entry.owner || null, apiVersion: entry.apiVersion },
    livemode: Boolean(entry.object.livemode),
    now: Math.floor(ctx.now() / 1000),
  };
}

/** A test token (pm_card_visa…) mints a new pm_… each time, as Stripe does; a minted id can be used again. */
export function resolvePaymentMethod(call: Call, id: string): PaymentMethodEntry {
  const known = call.state.paymentMethods.get(id);
  if (known) return known;
  const card = Object.hasOwn(TEST_CARDS, id) ? TEST_CARDS[id] : undefined;
  if (!card) {
    throw invalid(`No such PaymentMethod: '${id}'`, { code: 'resource_missing', param: 'payment_method' });
  }
  const pmId = stripeId('pm');
  const entry = { id: pmId, card, object: paymentMethodObject(pmId, card, call.now, call.livemode) };
  call.state.paymentMethods.set(pmId, entry);
  return entry;
}

export function findOwned<T extends { owner: string }>(map: Map<string, T>, id: string, owner: string): T | undefined {
  const entry = map.get(id);
  return entry && entry.owner === owner ? entry : undefined;
}
