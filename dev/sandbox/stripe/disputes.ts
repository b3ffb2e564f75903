import type { TestDispute } from './cards.ts';
import { invalid, missing, type Obj, stripeId } from './objects.ts';
import { metadataParam, onlyParams, optBoolean, optObject, optPositiveInt, optString } from './params.ts';
import { type Call, findOwned, type Owned, type Result, type VersionedEntry } from './state.ts';
import { type EventOrigin, emitStripeEvent } from './webhooks.ts';

/**
 * Disputes. A charge paid with a dispute test card (pm_card_createDispute, …) is disputed as soon as it succeeds:
 * the Dispute (du_…, needs_response, the charge's amount) belongs to the charge's owner, the charge becomes
 * `disputed`, and charge.dispute.created then charge.dispute.funds_withdrawn go out on the owner's account.
 * POST /v1/disputes/:id updates metadata and evidence (charge.dispute.updated); evidence is submitted unless
 * submit=false, and Stripe's test evidence decides at once: uncategorized_text `winning_evidence` → won
 * (charge.dispute.closed, charge.dispute.funds_reinstated), `losing_evidence` → lost (charge.dispute.closed);
 * other evidence leaves it under_review. POST …/close accepts the dispute (lost). Sandbox complete(du_…) decides
 * a dispute that is still open as lost. GET /v1/disputes lists the caller's, filtered by charge or payment_intent.
 */
const DAY_S = 86_400;
const DISPUTE_FEE = 1500;
const OPEN = ['needs_response', 'warning_needs_response'];
const UNDECIDED = [...OPEN, 'under_review', 'warning_under_review'];
const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
];
/** Card-network programmes (Visa CE 3.0, compliance) the sandbox takes and does not model. */
const STRUCTURED_EVIDENCE = ['enhanced_evidence', 'appeal'];

/** The funds a dispute moves: withdrawn (amount and fee) when it opens, reinstated when it is won. */
function balanceTransaction(dispute: Obj, charge: string, withdrawn: boolean, now: number): Obj {
  const fee = withdrawn ? DISPUTE_FEE : 0;
  const amount = withdrawn ? -dispute.amount : dispute.amount;
  return {
    id: stripeId('txn'),
    object: 'balance_transaction',
    amount,
    available_on: now,
    created: now,
    currency: dispute.currency,
    description: `${withdrawn ? 'Chargeback withdrawal' : 'Chargeback reversal'} for ${charge}`,
    exchange_rate: null,
    fee,
    fee_details: fee
      ? [{ amount: fee, application: null, currency: dispute.currency, description: 'Dispute fee', type: 'stripe_fee' }]
      : [],
    net: amount - fee,
    reporting_category: withdrawn ? 'dispute' : 'dispute_reversal',
    source: dispute.id,
    status: 'available',
    type: 'adjustment',
  };
}

/** Events of a dispute come from the card network, not from a request: on the charge owner's account. */
function networkOrigin(entry: VersionedEntry): EventOrigin {
  return { requestId: null, idempotencyKey: null, account: entry.owner || null, apiVersion: entry.apiVersion };
}

/** The cardholder disputes a succeeded charge (a dispute test card): needs_response, funds withdrawn. */
export function openDispute(call: Call, charge: Owned, test: TestDispute): VersionedEntry {
  const ch = charge.object;
  const card = ch.payment_method_details?.card ?? {};
  const id = stripeId('du');
  const object: Obj = {
    id,
    object: 'dispute',
    // What was taken from the cardholder: less than the charge's amount after a partial capture.
    amount: ch.amount_captured,
    balance_transactions: [],
    charge: ch.id,
    created: call.now,
    currency: ch.currency,
    enhanced_eligibility_types: [],
    evidence: { ...Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])), enhanced_evidence: {} },
    evidence_details: {
      // The last second (UTC) of the seventh day: the issuer's deadline for a response.
      due_by: Math.floor(call.now / DAY_S) * DAY_S + 8 * DAY_S - 1,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: ch.livemode,
    metadata: {},
    network_reason_code: test.networkReasonCode,
    payment_intent: ch.payment_intent,
    payment_method_details: {
      card: {
        brand: card.brand ?? 'visa',
        case_type: 'chargeback',
        network: card.network ?? 'visa',
        network_reason_code: test.networkReasonCode,
      },
      type: 'card',
    },
    reason: test.reason,
    status: 'needs_response',
  };
  const entry: VersionedEntry = { owner: charge.owner, object, apiVersion: call.origin.apiVersion };
  call.state.disputes.set(id, entry);
  ch.disputed = true;
  const origin = networkOrigin(entry);
  emitStripeEvent(call.ctx, origin, 'charge.dispute.created', object);
  object.balance_transactions.push(balanceTransaction(object, ch.id, true, call.now));
  emitStripeEvent(call.ctx, origin, 'charge.dispute.funds_withdrawn', object);
  return entry;
}

export function retrieveDispute(call: Call, id: string): Result {
  onlyParams(call.params, ['expand']);
  return { status: 200, body: disputeOf(call, id).object };
}

export function listDisputes(call: Call): Result {
  const { params } = call;
  onlyParams(params, ['charge', 'payment_intent', 'limit', 'expand']);
  const charge = optString(params, 'charge');
  const intent = optString(params, 'payment_intent');
  const limit = optPositiveInt(params, 'limit') ?? 10;
  if (limit > 100) throw invalid('Invalid limit: must be at most 100', { param: 'limit' });
  const mine = [...call.state.disputes.values()]
    .filter((e) => e.owner === call.owner && (!charge || e.object.charge === charge) && (!intent || e.object.payment_intent === intent))
    .map((e) => e.object)
    .reverse();
  return { status: 200, body: { object: 'list', data: mine.slice(0, limit), has_more: mine.length > limit, url: '/v1/disputes' } };
}

/**
 * Metadata and evidence. Evidence is staged with submit=false, else submitted: the dispute goes under_review
 * and Stripe's test evidence text decides it at once (the answer shows the decided dispute).
 */
export function updateDispute(call: Call, id: string): Result {
  const { params } = call;
  onlyParams(params, ['evidence', 'metadata', 'submit', 'intended_submission_method', 'expand']);
  const entry = disputeOf(call, id);
  const dispute = entry.object;
  const evidence = optObject(params, 'evidence');
  const given: Record<string, string> = {};
  if (evidence) {
    onlyParams(evidence, [...EVIDENCE_FIELDS, ...STRUCTURED_EVIDENCE], 'evidence');
    for (const field of EVIDENCE_FIELDS) {
      const value = optString(evidence, field, 20_000);
      if (value !== undefined) given[field] = value;
    }
  }
  const submitParam = optBoolean(params, 'submit');
  const submit = submitParam ?? evidence !== undefined;
  if ((evidence || submit) && !OPEN.includes(dispute.status)) {
    throw invalid(`This dispute's status is ${dispute.status}: evidence can be given only while it needs a response.`, {
      param: evidence ? 'evidence' : 'submit',
    });
  }
  const previous: Obj = {};
  if (params.metadata !== undefined) {
    previous.metadata = dispute.metadata;
    dispute.metadata = metadataParam(params, dispute.metadata);
  }
  if (Object.keys(given).length > 0) {
    previous.evidence = structuredClone(dispute.evidence);
    Object.assign(dispute.evidence, given);
  }
  const details = dispute.evidence_details;
  const before = { ...details };
  details.has_evidence = EVIDENCE_FIELDS.some((f) => dispute.evidence[f] !== null);
  if (details.has_evidence !== before.has_evidence || submit) previous.evidence_details = before;
  if (submit) {
    previous.status = dispute.status;
    details.submission_count += 1;
    details.submission_method = 'manual';
    dispute.status = dispute.status === 'warning_needs_response' ? 'warning_under_review' : 'under_review';
  }
  emitStripeEvent(call.ctx, call.origin, 'charge.dispute.updated', dispute, previous);
  const text = submit ? dispute.evidence.uncategorized_text?.trim() : undefined;
  if (text === 'winning_evidence') decide(call, entry, 'won');
  else if (text === 'losing_evidence') decide(call, entry, 'lost');
  return { status: 200, body: dispute };
}

/** Accepting the dispute: lost, for good. */
export function closeDispute(call: Call, id: string): Result {
  onlyParams(call.params, ['expand']);
  const entry = disputeOf(call, id);
  if (!OPEN.includes(entry.object.status)) {
    throw invalid(`This dispute's status is ${entry.object.status}: only a dispute that needs a response can be closed.`);
  }
  decide(call, entry, 'lost');
  return { status: 200, body: entry.object };
}

/** Sandbox complete(du_…): the issuer decides a dispute that is still undecided against the merchant. */
export function loseDispute(call: Call, entry: VersionedEntry): boolean {
  if (!UNDECIDED.includes(entry.object.status)) return false;
  decide(call, entry, 'lost');
  return true;
}

/** The decision: charge.dispute.closed, and a won dispute's funds come back (charge.dispute.funds_reinstated). */
function decide(call: Call, entry: VersionedEntry, outcome: 'won' | 'lost') {
  const dispute = entry.object;
  const warning = dispute.status.startsWith('warning_');
  const previous = { status: dispute.status };
  dispute.status = warning ? 'warning_closed' : outcome;
  const origin = networkOrigin(entry);
  emitStripeEvent(call.ctx, origin, 'charge.dispute.closed', dispute, previous);
  if (outcome === 'won' && !warning) {
    dispute.balance_transactions.push(balanceTransaction(dispute, dispute.charge, false, call.now));
    emitStripeEvent(call.ctx, origin, 'charge.dispute.funds_reinstated', dispute);
  }
}

function disputeOf(call: Call, id: string): VersionedEntry {
  const entry = findOwned(call.state.disputes, id, call.owner);
  if (!entry) throw missing('dispute', id, 'dispute');
  return entry;
}
