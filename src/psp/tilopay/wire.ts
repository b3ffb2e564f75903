import { z } from 'zod';

/**
 * Tilopay wire shapes we read, as zod schemas: every answer is parsed with them, so another shape is a value (an
 * unexpected response, a refused token, a refused redirect), never a crash or a wrong type let through. Only the
 * fields the mappings read are checked; others pass through. Tilopay has no OpenAPI: the names come from its Postman
 * collection, community code and our sandbox, so most of them are **unconfirmed**. Tilopay writes codes, ids and
 * amounts as strings or numbers alike ("1" or 1, "10.50" or 10.5); both are read. A field that is `null` is read as
 * absent, as PHP APIs write empty fields that way.
 */

const StrOrNum = (max: number) => z.union([z.string().max(max), z.number()]);

/** An optional field: absent, null (read as absent) or of type `t`. */
function opt<T extends z.ZodType>(t: T) {
  return t
    .nullish()
    .transform((v): z.output<T> | undefined => v ?? undefined)
    .optional();
}

/** Amounts ("10.50", "1,234.50", 10.5), codes ("1", "Pending", 8) and transaction ids (`tpt`). */
const Amount = StrOrNum(64);
const Code = StrOrNum(64);
const Tpt = StrOrNum(255);

/** POST /login → `{ access_token, token_type: "bearer", expires_in }`; expires_in is a lifetime in seconds (number or numeric text). */
export const TilopayTokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  expires_in: opt(z.union([z.number().nonnegative(), z.string().trim().min(1).transform(Number).pipe(z.number().nonnegative())])),
});

/** processPayment's answer: the hosted page's URL. */
export const TilopayPaymentAnswer = z.looseObject({ url: z.string().min(1).max(4096) });

/**
 * One consult row. Postman names orderNumber, amount, currency, code, auth; the transaction id (`tpt`, as in the
 * redirect), `email` and the cumulative `refunded` amount are the sandbox's names (**unconfirmed**).
 * `auth`, `description` and `environment` are not read.
 */
export const TilopayConsultRow = z.looseObject({
  orderNumber: opt(z.string().max(255)),
  amount: opt(Amount),
  currency: opt(z.string().max(16)),
  code: opt(Code),
  tpt: opt(Tpt),
  email: opt(z.string().max(320)),
  refunded: opt(Amount),
});
export type TilopayConsultRow = z.output<typeof TilopayConsultRow>;

/** POST /consult → `{ type: "200", response: [row, …] }`; no `response` (or null) means no attempt yet. */
export const TilopayConsultAnswer = z.looseObject({ response: opt(z.array(TilopayConsultRow)) });

/** processModification's answer (**unconfirmed**; the sandbox's): `{ type: "200", response: "1", tpt, amount, … }`. */
export const TilopayModificationAnswer = z.looseObject({
  type: opt(Code),
  response: opt(Code),
  tpt: opt(Tpt),
  amount: opt(Amount),
});

/**
 * An error body (`{ type, message }` in the sandbox; **unconfirmed**), in an error status or a 2xx. It only
 * describes a failure, so a field of another type is dropped (the failure keeps its generic text), not a new failure.
 */
export const TilopayErrorBody = z.looseObject({
  type: Code.optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  description: z.string().optional().catch(undefined),
});

/**
 * The redirect's query parameters we read (`code, description, auth, order, tpt, OrderHash, returnData, …`).
 * Our order numbers are session ids and Tilopay's codes are short: longer ones are not a redirect of ours. The
 * other bounds are generous for what each carries (a numeric id, an auth code, a hex HMAC, base64 of our order).
 */
const TILOPAY_REDIRECT_MAX = { order: 64, code: 64, tpt: 255, auth: 255, hash: 255, returnData: 512 } as const;
const Param = (max: number) => z.string().trim().max(max);
export const TilopayRedirectQuery = z.object({
  order: Param(TILOPAY_REDIRECT_MAX.order).min(1),
  code: Param(TILOPAY_REDIRECT_MAX.code).min(1),
  tpt: Param(TILOPAY_REDIRECT_MAX.tpt),
  auth: z.string().max(TILOPAY_REDIRECT_MAX.auth),
  // Not trimmed here: a hash of blanks is present, and must then match (it cannot).
  hash: z.string().max(TILOPAY_REDIRECT_MAX.hash),
  returnData: z.string().max(TILOPAY_REDIRECT_MAX.returnData),
});
export type TilopayRedirectQuery = z.output<typeof TilopayRedirectQuery>;
