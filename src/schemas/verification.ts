import { z } from '@hono/zod-openapi';
import { CHECKOUT_STATUSES } from '../domain/checkout';
import {
  COLOR_LENGTH,
  COLOR_PALETTE,
  EMOJI_LENGTH,
  EMOJI_SET,
  FACTORS,
  HANDLE_PATTERN,
  normalizeFactorValue,
  PATTERN_LENGTH,
  PIN_LENGTH,
  RISK_LEVELS,
  SESSION_TTL_SECONDS,
  UUID_PATTERN,
  VERIFICATION_STATUSES,
} from '../domain/factors';
import { decimalToMinor } from '../domain/money';
import { PSP_PROVIDERS as CHECKOUT_PROVIDERS } from '../psp/registry';
import { boundedFreeForm } from './common';

/** NoTap: enrolment, initiate, verify, state. Factor values appear in requests only, never in a response. */

export const FactorName = z.enum(FACTORS).openapi({ description: 'An authentication factor' });

export const UserRefText = z
  .string()
  .max(128)
  .refine((s) => UUID_PATTERN.test(s) || HANDLE_PATTERN.test(s), {
    message: 'must be a UUID or a NoTap handle (1–128 of a-z 0-9 . _ -, starting and ending with a letter or digit)',
  })
  .openapi({
    description:
      'A UUID, or a NoTap handle such as alice.notap.sol (case-insensitive). A handle resolves to a stable uuid per tenant: a keyed version-8 UUID of (tenant, handle).',
    example: 'alice.notap.sol',
  });

export const UserRefParam = z.object({
  userUuid: UserRefText.openapi({ param: { name: 'userUuid', in: 'path' } }),
});

export const SESSION_ID_PATTERN = /^sess_[0-9a-f]{32}$/;
export const SessionIdParam = z.object({
  sessionId: z
    .string()
    .regex(SESSION_ID_PATTERN, 'must be a session_id returned by POST /v1/verification/initiate')
    .openapi({ param: { name: 'sessionId', in: 'path' }, example: 'sess_3f6c1b2a9d8e7f6a5b4c3d2e1f0a9b8c' }),
});

const FactorValue = z.union([z.string().max(256), z.array(z.union([z.string().max(32), z.number()])).max(16)]).openapi({
  description: [
    `PIN: a string of ${PIN_LENGTH.min}–${PIN_LENGTH.max} digits.`,
    `PATTERN: ${PATTERN_LENGTH.min}–${PATTERN_LENGTH.max} distinct cells of the 3×3 grid numbered 0 1 2 / 3 4 5 / 6 7 8, as [0, 4, 8, 5] or "0-4-8-5";`,
    'a step may not jump over the centre of a cell not yet visited (Android rule: 0→2 needs 1 first, 0→8 needs 4; 0→5 is fine).',
    `EMOJI: ${EMOJI_LENGTH.min}–${EMOJI_LENGTH.max} emoji from ${EMOJI_SET.join(' ')}, as a list or one string.`,
    `COLOR: ${COLOR_LENGTH.min}–${COLOR_LENGTH.max} of ${COLOR_PALETTE.join(', ')} (case-insensitive), as a list or a string.`,
  ].join(' '),
  example: '4821',
});

/** Each factor's value is checked by its own rule (domain/factors.ts); a bad value is a 422 on `value`, never echoed. */
function checkValue(body: { factor: (typeof FACTORS)[number]; value: unknown }, ctx: z.RefinementCtx) {
  const r = normalizeFactorValue(body.factor, body.value);
  if (!r.ok) ctx.addIssue({ code: 'custom', path: ['value'], message: r.error.message });
}

export const EnrolFactorBody = z
  .object({ factor: FactorName, value: FactorValue })
  .superRefine(checkValue)
  .openapi('EnrolFactorBody', { example: { factor: 'PIN', value: '4821' } });
export type EnrolFactorBody = z.output<typeof EnrolFactorBody>;

export const EnrolFactorResponse = z
  .object({
    success: z.literal(true),
    uuid: z.string(),
    factor: FactorName,
    enrolled_at: z.string().openapi({ format: 'date-time' }),
    replaced: z.boolean().openapi({ description: 'True when an earlier value of this factor was replaced' }),
  })
  .openapi('EnrolFactorResponse');

export const FactorListResponse = z
  .object({
    uuid: z.string(),
    factors: z.array(z.object({ factor: FactorName, enrolled_at: z.string().openapi({ format: 'date-time' }) })),
  })
  .openapi('FactorList');

export const TransactionAmount = z
  .number()
  .positive()
  .max(999_999_999)
  .refine((n) => decimalToMinor(n, 4) !== null, 'must have at most 4 decimal places')
  .openapi({ description: 'Major units, e.g. 49.99; converted exactly to minor units of psp_config.currency', example: 49.99 });

/**
 * psp_config arrives untyped so that a bad one can be answered with psp_ready: false; a real one
 * (2 KB of metadata and three short strings) is two levels deep and a few KB, so these bounds only
 * refuse what could never be one.
 */
const PSP_CONFIG_BOUNDS = { maxDepth: 8, maxBytes: 8 * 1024 } as const;

export const InitiateVerificationBody = z
  .object({
    user_uuid: UserRefText,
    transaction_amount: TransactionAmount,
    risk_level: z.enum(RISK_LEVELS).default('LOW').openapi({ description: 'LOW when omitted, so requests without it keep working' }),
    psp_config: boundedFreeForm(z.unknown(), PSP_CONFIG_BOUNDS)
      .optional()
      .openapi({
        description:
          'Optional PspConfig (see POST /v1/checkout-sessions). Validated on its own: an invalid psp_config does not fail the request — ' +
          'verification still starts and the answer says psp_ready: false with psp_error INVALID_PSP_CONFIG. null is the same as absent. ' +
          `Only a value no PspConfig could be — deeper than ${PSP_CONFIG_BOUNDS.maxDepth} levels or over ${PSP_CONFIG_BOUNDS.maxBytes} bytes as JSON — is a 422.`,
        example: { psp: 'stripe', psp_merchant_id: 'acct_1234567890', currency: 'USD' },
      }),
  })
  .openapi('InitiateVerificationBody');
export type InitiateVerificationBody = z.output<typeof InitiateVerificationBody>;

/** psp_error codes (non-sensitive). PSP_PENDING: GET only, the provider has not answered yet. */
export const PSP_ERRORS = [
  'INVALID_PSP_CONFIG',
  'INVALID_PSP_AMOUNT',
  'PSP_NOT_CONFIGURED',
  'PSP_UNAVAILABLE',
  'PSP_TIMEOUT',
  'PSP_REQUEST_REJECTED',
  'PSP_PENDING',
] as const;
export type PspError = (typeof PSP_ERRORS)[number];

export const PspSessionSummary = z
  .object({
    provider: z.enum(CHECKOUT_PROVIDERS),
    session_id: z.string().openapi({ description: 'The checkout session id (GET /v1/checkout-sessions/{sessionId})' }),
    checkout_url: z.string(),
    status: z.enum(CHECKOUT_STATUSES),
    expires_at: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('PspSessionSummary');

const pspFields = {
  psp_ready: z.boolean().optional().openapi({ description: 'Present only when psp_config was given' }),
  psp_session: PspSessionSummary.optional().openapi({ description: 'When psp_ready' }),
  psp_error: z.enum(PSP_ERRORS).optional().openapi({ description: 'When not psp_ready' }),
};

export const InitiateVerificationResponse = z
  .object({
    success: z.literal(true),
    session_id: z.string().openapi({ example: 'sess_3f6c1b2a9d8e7f6a5b4c3d2e1f0a9b8c' }),
    uuid: z.string().openapi({ description: 'The resolved user uuid' }),
    required_factors: z.array(FactorName),
    enrolled_factors: z.array(FactorName),
    initial_required_count: z.number().int(),
    transaction_amount: z.number(),
    risk_level: z.enum(RISK_LEVELS),
    expires_in: z.number().int().openapi({ description: 'Seconds the session lives', example: SESSION_TTL_SECONDS }),
    message: z.string().openapi({ example: 'Verification session created' }),
    ...pspFields,
  })
  .openapi('InitiateVerificationResponse');

export const AttemptsLeftSchema = z
  .object({
    session: z.number().int().openapi({ description: 'Wrong values the session still allows' }),
    factors: z.record(z.string(), z.number().int()).openapi({ description: 'Per required factor not yet passed' }),
  })
  .openapi('AttemptsLeft');

export const VerificationStateResponse = z
  .object({
    session_id: z.string(),
    uuid: z.string(),
    status: z.enum(VERIFICATION_STATUSES),
    risk_level: z.enum(RISK_LEVELS),
    transaction_amount: z.number(),
    required_factors: z.array(FactorName),
    passed_factors: z.array(FactorName),
    remaining_factors: z.array(FactorName),
    attempts_left: AttemptsLeftSchema,
    created_at: z.string().openapi({ format: 'date-time' }),
    expires_at: z.string().openapi({ format: 'date-time' }),
    verified_at: z.string().nullable().openapi({ format: 'date-time' }),
    ...pspFields,
  })
  .openapi('VerificationState');

export const VerifyFactorBody = z
  .object({ factor: FactorName, value: FactorValue })
  .superRefine(checkValue)
  .openapi('VerifyFactorBody', { example: { factor: 'PATTERN', value: [0, 4, 8, 5] } });
export type VerifyFactorBody = z.output<typeof VerifyFactorBody>;

export const VerifyFactorResponse = z
  .object({
    success: z.literal(true),
    session_id: z.string(),
    status: z.enum(['pending', 'verified']),
    factor: FactorName.openapi({ description: 'The factor just passed' }),
    passed_factors: z.array(FactorName),
    remaining_factors: z.array(FactorName),
    attempts_left: AttemptsLeftSchema,
    verification_token: z.string().optional().openapi({
      description:
        'When verified: an ES256 JWT (5 minutes) with aud = your tenant id, sub = user uuid, sid = session id, amr = factors passed; keys at /.well-known/jwks.json',
    }),
    token_expires_at: z.string().optional().openapi({ format: 'date-time' }),
    checkout_url: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'When verified: the PSP checkout URL of the parallel session, null when there is none' }),
  })
  .openapi('VerifyFactorResponse');

export const JwksResponse = z
  .object({
    keys: z.array(
      z
        .object({ kty: z.string(), crv: z.string().optional(), x: z.string().optional(), y: z.string().optional(), kid: z.string() })
        .loose(),
    ),
  })
  .openapi('Jwks');
