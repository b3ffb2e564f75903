/**
 * Result values for expected business outcomes (declined, over-refund, illegal transition…).
 * Throws are reserved for programmer errors (a non-integer amount, a missing context), so every
 * caller is forced by the type to handle the outcomes a client can actually cause.
 */

/** The error shape every domain Result uses; `code` is one of the API's error codes. */
export interface DomainError<C extends string = string> {
  readonly code: C;
  readonly message: string;
  /** Request path of the offending field (e.g. `venueAddress.state`), when one is to blame. */
  readonly field?: string;
}

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E = DomainError> = Ok<T> | Err<E>;

export function ok(): Ok<void>;
export function ok<T>(value: T): Ok<T>;
export function ok<T>(value?: T): Ok<T | undefined> {
  return { ok: true, value };
}

export function err<E>(error: E): Err<E> {
  return { ok: false, error };
}

/** A VALIDATION_ERROR on one field: the route turns it into the 422 envelope's `errors[]`. */
export function validationError(field: string, message: string): Err<DomainError<'VALIDATION_ERROR'>> {
  return err({ code: 'VALIDATION_ERROR', message, field });
}
