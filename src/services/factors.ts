import { type Factor, normalizeFactorValue } from '../domain/factors';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError, ValidationError } from '../lib/errors';
import { notapUserUuid } from '../lib/ids';
import { userFactorsStub } from '../lib/stubs';
import type { EnrolFactorBody } from '../schemas/verification';

/** NoTap users and their factors: resolving a user reference, enrolment into UserFactorsDO, the enrolled names. */
/** Resolves the user reference to its canonical id (lib/ids.ts notapUserUuid); anything else is a 422. */
export async function resolveUserUuid(config: Config, tenantId: string, text: string): Promise<string> {
  const uuid = await notapUserUuid(config.paymentIdKey, tenantId, text);
  if (!uuid) throw new ValidationError([{ field: 'user_uuid', message: 'must be a UUID or a NoTap handle' }]);
  return uuid;
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
