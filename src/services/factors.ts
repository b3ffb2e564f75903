import { type Factor, normalizeFactorValue, parseUserRef } from '../domain/factors';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError, ValidationError } from '../lib/errors';
import { keyedUuid } from '../lib/ids';
import { userFactorsStub } from '../lib/stubs';
import type { EnrolFactorBody } from '../schemas/verification';

/** NoTap users and their factors: resolving a user reference, enrolment into UserFactorsDO, the enrolled names. */
/**
 * Resolves the user: a UUID stands for itself (lower case); a NoTap handle becomes a keyed version-8 UUID
 * of (tenant, handle) — the same handle always names the same user within a tenant, and nobody can compute
 * it without PAYMENT_ID_KEY (the pattern of lib/ids.ts).
 */
export async function resolveUserUuid(config: Config, tenantId: string, text: string): Promise<string> {
  const ref = parseUserRef(text);
  if (!ref) throw new ValidationError([{ field: 'user_uuid', message: 'must be a UUID or a NoTap handle' }]);
  if (ref.kind === 'uuid') return ref.uuid;
  return keyedUuid(config.paymentIdKey, `notap-user\n${tenantId}\n${ref.handle}`);
}

export function normalized(factor: Factor, value: unknown): string {
  const r = normalizeFactorValue(factor, value);
  if (!r.ok) throw new ValidationError([{ field: 'value', message: r.error.message }]);
  return r.value;
}

export async function enrolFactor(env: Bindings, config: Config, principal: Principal, userRef: string, body: EnrolFactorBody) {
  const uuid = await resolveUserUuid(config, principal.tenantId, userRef);
  const result = await userFactorsStub(env, principal.tenantId, uuid).enrol({
    tenantId: principal.tenantId,
    userUuid: uuid,
    factor: body.factor,
    normalized: normalized(body.factor, body.value),
  });
  if (result.kind === 'conflict') throw new AppError('INTERNAL_ERROR', 'Internal server error');
  return {
    replaced: result.replaced,
    body: {
      success: true as const,
      uuid,
      factor: result.factor,
      enrolled_at: new Date(result.enrolledAt).toISOString(),
      replaced: result.replaced,
    },
  };
}

export async function listFactors(env: Bindings, config: Config, principal: Principal, userRef: string) {
  const uuid = await resolveUserUuid(config, principal.tenantId, userRef);
  const { factors } = await userFactorsStub(env, principal.tenantId, uuid).enrolment(principal.tenantId);
  if (factors.length === 0) throw new NotFoundError('User not found');
  return { uuid, factors: factors.map((f) => ({ factor: f.factor, enrolled_at: new Date(f.enrolledAt).toISOString() })) };
}
