import type { AttemptsLeft, Factor, RiskLevel, VerificationStatus } from '../../src/domain/factors';

/** VerificationDO's contract: the commands and results of its RPC methods. */

/** How long a session stays readable after its expiry, before the object deletes it. */
export const RETAIN_AFTER_EXPIRY_MS = 24 * 3600_000;

export type PspLink = {
  provider: string;
  /** Our checkout session id (cko…), known before the provider answers (derived from this session's id). */
  checkoutSessionId: string | null;
  /** Why there is no checkout session (a psp_error code), null while it may exist. */
  error: string | null;
};

export type CreateVerificationCommand = {
  sessionId: string;
  tenantId: string;
  userUuid: string;
  riskLevel: RiskLevel;
  /** As the merchant sent it (major units). */
  transactionAmount: number;
  requiredFactors: Factor[];
  enrolledFactors: Factor[];
  ttlSeconds: number;
  psp: PspLink | null;
};

export type VerificationView = {
  sessionId: string;
  tenantId: string;
  userUuid: string;
  status: VerificationStatus;
  riskLevel: RiskLevel;
  transactionAmount: number;
  requiredFactors: Factor[];
  enrolledFactors: Factor[];
  passedFactors: Factor[];
  attemptsLeft: AttemptsLeft;
  createdAt: number;
  expiresAt: number;
  verifiedAt: number | null;
  psp: PspLink | null;
};

export type CreateVerificationResult = { kind: 'created'; view: VerificationView } | { kind: 'exists' };

export type VerifyCommand = { tenantId: string; factor: Factor; normalized: string };
export type VerifyResult =
  | { kind: 'not_found' }
  | { kind: 'refused'; reason: 'expired' | 'locked' | 'verified' | 'not_required' | 'already_passed'; view: VerificationView }
  | { kind: 'user_locked'; until: number; view: VerificationView }
  | { kind: 'not_enrolled'; view: VerificationView }
  | { kind: 'passed' | 'verified' | 'mismatch' | 'locked'; view: VerificationView };
