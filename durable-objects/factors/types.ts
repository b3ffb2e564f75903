import type { Factor } from '../../src/domain/factors';

/** UserFactorsDO's contract: enrolment and checks of one user's factors. */
export type FactorValueCommand = { tenantId: string; userUuid: string; factor: Factor; normalized: string };
export type EnrolResult = { kind: 'enrolled'; factor: Factor; enrolledAt: number; replaced: boolean } | { kind: 'conflict' };
export type EnrolledFactor = { factor: Factor; enrolledAt: number };
export type Enrolment = { factors: EnrolledFactor[]; lockedUntil: number | null };
export type CheckResult =
  | { kind: 'match' }
  | { kind: 'mismatch'; lockedUntil: number | null }
  | { kind: 'locked'; until: number }
  | { kind: 'not_enrolled' };
