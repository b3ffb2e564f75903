import type { VerificationView, VerifyResult } from '../../durable-objects/verification/types';
import { amountInHundredths, type Factor, orderFactors, SESSION_TTL_SECONDS, selectFactors } from '../domain/factors';
import { currencyExponent, decimalToMinor } from '../domain/money';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError, ValidationError } from '../lib/errors';
import { checkoutSessionIdFor } from '../lib/ids';
import type { Logger } from '../lib/logger';
import { checkoutStub, userFactorsStub, verificationStub } from '../lib/stubs';
import { signVerificationToken, verificationJwks } from '../lib/verification-token';
import { TIMED_OUT, within } from '../lib/within';
import { PspConfig } from '../schemas/checkout';
import type { InitiateVerificationBody, PspError, VerifyFactorBody } from '../schemas/verification';
import { createCheckoutSession } from './checkout';
import { normalized, resolveUserUuid } from './factors';

/**
 * NoTap step-up verification: enrolment into UserFactorsDO, initiate (the
 * verification session and, when psp_config is given, the PSP checkout session at the same time), verify
 * one factor at a time, and the session's state. Factor values are normalized here and handed to the
 * objects that digest or compare them; they are never logged, stored plain or returned.
 */
export type RequestContext = { origin: string; waitUntil: (p: Promise<unknown>) => void; logger: Logger };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The purpose under which a verification's checkout session id is derived (checkout service scope). */
const CHECKOUT_PURPOSE = 'verification';

export function userLocked(until: number): AppError {
  const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  return new AppError('USER_LOCKED', 'Too many wrong factor values for this user; try again later', {
    headers: { 'Retry-After': String(seconds) },
  });
}

// ---- initiate ---------------------------------------------------------------------------------------------

function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `sess_${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A non-sensitive code for a PSP failure: the checkout service's own codes pass, anything else is PSP_UNAVAILABLE. */
function pspErrorCode(err: unknown): PspError {
  const known: PspError[] = ['PSP_NOT_CONFIGURED', 'PSP_UNAVAILABLE', 'PSP_REQUEST_REJECTED'];
  return err instanceof AppError && (known as string[]).includes(err.code) ? (err.code as PspError) : 'PSP_UNAVAILABLE';
}

type PspPlan =
  | { kind: 'none' }
  | { kind: 'invalid'; provider: string; error: PspError }
  | { kind: 'create'; config: PspConfig; amount: number };

/** psp_config is validated on its own: a bad one never fails the verification, it only makes psp_ready false. */
function planPsp(body: InitiateVerificationBody): PspPlan {
  if (body.psp_config === undefined || body.psp_config === null) return { kind: 'none' };
  const raw = body.psp_config as { psp?: unknown };
  const parsed = PspConfig.safeParse(body.psp_config);
  if (!parsed.success) {
    return { kind: 'invalid', provider: typeof raw?.psp === 'string' ? raw.psp.slice(0, 40) : 'unknown', error: 'INVALID_PSP_CONFIG' };
  }
  const exponent = currencyExponent(parsed.data.currency);
  const amount = exponent.ok ? decimalToMinor(body.transaction_amount, exponent.value) : null;
  if (amount === null || amount <= 0 || amount > 99_999_999_999)
    return { kind: 'invalid', provider: parsed.data.psp, error: 'INVALID_PSP_AMOUNT' };
  return { kind: 'create', config: parsed.data, amount };
}

export async function initiateVerification(
  env: Bindings,
  config: Config,
  principal: Principal,
  body: InitiateVerificationBody,
  rc: RequestContext,
) {
  const tenantId = principal.tenantId;
  const sessionId = newSessionId();
  const plan = planPsp(body);
  const amountHundredths = amountInHundredths(body.transaction_amount);
  if (amountHundredths === null)
    throw new ValidationError([{ field: 'transaction_amount', message: 'must have at most 4 decimal places' }]);

  // Known before the provider answers (the checkout service derives it the same way), so the verification
  // session can point at the checkout session even when that finishes after this request has answered.
  const checkoutSessionId =
    plan.kind === 'create' ? checkoutSessionIdFor(config.paymentIdKey, tenantId, CHECKOUT_PURPOSE, sessionId) : Promise.resolve(null);

  // Thread B: the PSP checkout session, started first so it overlaps everything else.
  const psp =
    plan.kind === 'create'
      ? createCheckoutSession(env, config, principal, {
          amount: plan.amount,
          pspConfig: { ...plan.config, metadata: { ...plan.config.metadata, edgepay_verification_session_id: sessionId } },
          purpose: CHECKOUT_PURPOSE,
          ttlSeconds: SESSION_TTL_SECONDS,
          clientKey: sessionId,
          origin: rc.origin,
        })
      : null;

  // Thread A: resolve the user, check enrolment and lockout, select factors, create the session.
  const auth = (async () => {
    const uuid = await resolveUserUuid(config, tenantId, body.user_uuid);
    const enrolment = await userFactorsStub(env, tenantId, uuid).enrolment(tenantId);
    if (enrolment.factors.length === 0) throw new NotFoundError('User not found or not enrolled');
    if (enrolment.lockedUntil !== null) throw userLocked(enrolment.lockedUntil);
    const enrolled = orderFactors(enrolment.factors.map((f) => f.factor));
    const selection = selectFactors(enrolled, body.risk_level, amountHundredths);
    if (!selection.ok) {
      throw new AppError('INSUFFICIENT_FACTORS', `The user must have at least 2 factors enrolled (has ${selection.error.enrolled})`, {
        errors: [{ field: 'user_uuid', message: selection.error.message }],
      });
    }
    const created = await verificationStub(env, sessionId).create({
      sessionId,
      tenantId,
      userUuid: uuid,
      riskLevel: body.risk_level,
      transactionAmount: body.transaction_amount,
      requiredFactors: selection.value,
      enrolledFactors: enrolled,
      ttlSeconds: SESSION_TTL_SECONDS,
      psp:
        plan.kind === 'none'
          ? null
          : plan.kind === 'invalid'
            ? { provider: plan.provider, checkoutSessionId: null, error: plan.error }
            : { provider: plan.config.psp, checkoutSessionId: await checkoutSessionId, error: null },
    });
    if (created.kind !== 'created') throw new AppError('INTERNAL_ERROR', 'Internal server error');
    return created.view;
  })();

  const [authResult, pspResult] = await Promise.allSettled([auth, psp ? within(psp, config.psp.timeoutMs) : Promise.resolve(null)]);
  if (psp) {
    // The checkout object finishes its provider call whatever happened here; record a late outcome.
    // A late success needs nothing: the verification session already names the checkout session.
    rc.waitUntil(
      psp.then(
        () => undefined,
        (err) => {
          rc.logger.warn('verification.psp_failed', {
            sessionId,
            provider: plan.kind === 'create' ? plan.config.psp : null,
            code: pspErrorCode(err),
          });
          return authResult.status === 'fulfilled' && timedOut(pspResult)
            ? recordPsp(env, sessionId, tenantId, pspErrorCode(err))
            : undefined;
        },
      ),
    );
  }
  if (authResult.status === 'rejected') throw authResult.reason;
  const view = authResult.value;

  const response = {
    success: true as const,
    session_id: sessionId,
    uuid: view.userUuid,
    required_factors: view.requiredFactors,
    enrolled_factors: view.enrolledFactors,
    initial_required_count: view.requiredFactors.length,
    transaction_amount: body.transaction_amount,
    risk_level: view.riskLevel,
    expires_in: SESSION_TTL_SECONDS,
    message: 'Verification session created',
  };
  if (plan.kind === 'none') return response;
  if (plan.kind === 'invalid') return { ...response, psp_ready: false, psp_error: plan.error };
  if (pspResult.status === 'fulfilled' && pspResult.value !== TIMED_OUT && pspResult.value !== null) {
    const s = pspResult.value.view;
    return {
      ...response,
      psp_ready: true,
      psp_session: {
        provider: s.provider,
        session_id: s.sessionId,
        checkout_url: s.checkoutUrl,
        status: s.status,
        expires_at: iso(s.expiresAt),
      },
    };
  }
  const error: PspError = pspResult.status === 'rejected' ? pspErrorCode(pspResult.reason) : 'PSP_TIMEOUT';
  // Failures inside the timeout are recorded now (the late ones by the waitUntil above).
  if (pspResult.status === 'rejected') rc.waitUntil(recordPsp(env, sessionId, tenantId, error));
  else rc.logger.warn('verification.psp_timeout', { sessionId, provider: plan.config.psp, timeoutMs: config.psp.timeoutMs });
  return { ...response, psp_ready: false, psp_error: error };
}

function timedOut(r: PromiseSettledResult<unknown>): boolean {
  return r.status === 'fulfilled' && r.value === TIMED_OUT;
}

async function recordPsp(env: Bindings, sessionId: string, tenantId: string, error: PspError): Promise<void> {
  await verificationStub(env, sessionId).recordPspOutcome(tenantId, error);
}

// ---- state ---------------------------------------------------------------------------------------------------

/** The psp_* fields of a session that asked for one: the live checkout session when it exists. */
async function pspFields(env: Bindings, view: VerificationView) {
  if (!view.psp) return {};
  const checkout = view.psp.checkoutSessionId ? await checkoutStub(env, view.psp.checkoutSessionId).get(view.tenantId) : null;
  if (checkout) {
    return {
      psp_ready: true,
      psp_session: {
        provider: checkout.provider,
        session_id: checkout.sessionId,
        checkout_url: checkout.checkoutUrl,
        status: checkout.status,
        expires_at: iso(checkout.expiresAt),
      },
    };
  }
  return { psp_ready: false, psp_error: (view.psp.error ?? 'PSP_PENDING') as PspError };
}

const remaining = (v: VerificationView) => v.requiredFactors.filter((f) => !v.passedFactors.includes(f));

export async function getVerification(env: Bindings, principal: Principal, sessionId: string) {
  const view = await verificationStub(env, sessionId).get(principal.tenantId);
  if (!view) throw new NotFoundError('Verification session not found');
  return {
    session_id: view.sessionId,
    uuid: view.userUuid,
    status: view.status,
    risk_level: view.riskLevel,
    transaction_amount: view.transactionAmount,
    required_factors: view.requiredFactors,
    passed_factors: view.passedFactors,
    remaining_factors: remaining(view),
    attempts_left: view.attemptsLeft,
    created_at: new Date(view.createdAt).toISOString(),
    expires_at: new Date(view.expiresAt).toISOString(),
    verified_at: iso(view.verifiedAt),
    ...(await pspFields(env, view)),
  };
}

// ---- verify --------------------------------------------------------------------------------------------------

function attemptsText(view: VerificationView, factor: Factor): string {
  const left = view.attemptsLeft.factors[factor] ?? 0;
  return `${left} attempt${left === 1 ? '' : 's'} left for ${factor}, ${view.attemptsLeft.session} for the session`;
}

/** Turns an object's refusal into the contract's error. */
function verifyError(result: Exclude<VerifyResult, { kind: 'passed' | 'verified' }>, factor: Factor): AppError {
  switch (result.kind) {
    case 'not_found':
      return new NotFoundError('Verification session not found');
    case 'user_locked':
      return userLocked(result.until);
    case 'not_enrolled':
      return new ValidationError([{ field: 'factor', message: `${factor} is no longer enrolled for this user` }]);
    case 'locked':
      return new AppError('VERIFICATION_LOCKED', 'Too many wrong values: this verification session is locked');
    case 'mismatch':
      return new AppError('FACTOR_MISMATCH', 'The value does not match', {
        errors: [{ field: 'value', message: `does not match; ${attemptsText(result.view, factor)}` }],
      });
    case 'refused':
      switch (result.reason) {
        case 'expired':
          return new AppError('SESSION_EXPIRED', 'This verification session has expired; initiate a new one');
        case 'locked':
          return new AppError('VERIFICATION_LOCKED', 'This verification session is locked');
        case 'verified':
          return new AppError('INVALID_STATE_TRANSITION', 'This verification session is already verified');
        case 'not_required':
          return new ValidationError([{ field: 'factor', message: `${factor} is not required by this session` }]);
        case 'already_passed':
          return new ValidationError([{ field: 'factor', message: `${factor} has already been passed` }]);
      }
  }
  return new AppError('INTERNAL_ERROR', 'Internal server error');
}

export async function verifyFactor(
  env: Bindings,
  config: Config,
  principal: Principal,
  sessionId: string,
  body: VerifyFactorBody,
  rc: RequestContext,
) {
  const result = await verificationStub(env, sessionId).verify({
    tenantId: principal.tenantId,
    factor: body.factor,
    normalized: normalized(body.factor, body.value),
  });
  if (result.kind !== 'passed' && result.kind !== 'verified') {
    // A wrong value is routine; a lock is worth a look. Neither line names the factor or carries its value.
    if (result.kind === 'mismatch')
      rc.logger.info('verification.mismatch', { sessionId, sessionAttemptsLeft: result.view.attemptsLeft.session });
    if (result.kind === 'locked') rc.logger.warn('verification.locked', { sessionId });
    throw verifyError(result, body.factor);
  }
  const view = result.view;
  const base = {
    success: true as const,
    session_id: view.sessionId,
    status: result.kind === 'verified' ? ('verified' as const) : ('pending' as const),
    factor: body.factor,
    passed_factors: view.passedFactors,
    remaining_factors: remaining(view),
    attempts_left: view.attemptsLeft,
  };
  if (result.kind === 'passed') return base;

  const [token, checkout] = await Promise.all([
    signVerificationToken(
      config.notap.signingKeyPem,
      {
        issuer: config.publicBaseUrl ?? rc.origin,
        audience: view.tenantId,
        subject: view.userUuid,
        sessionId: view.sessionId,
        amr: view.passedFactors,
      },
      Date.now(),
    ),
    view.psp?.checkoutSessionId ? checkoutStub(env, view.psp.checkoutSessionId).get(view.tenantId) : Promise.resolve(null),
  ]);
  rc.logger.info('verification.verified', { sessionId, passed: view.passedFactors.length });
  return {
    ...base,
    verification_token: token.token,
    token_expires_at: new Date(token.expiresAt).toISOString(),
    checkout_url: checkout?.checkoutUrl ?? null,
  };
}

export function jwks(config: Config) {
  return verificationJwks(config.notap.signingKeyPem);
}
