import type { FormObject, FormValue } from './form.ts';
import { invalid } from './objects.ts';

/** Parameter checks with Stripe's error messages and codes (400 invalid_request_error). */
export function onlyParams(params: FormObject, allowed: readonly string[], prefix = '') {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      const name = prefix ? `${prefix}[${key}]` : key;
      throw invalid(`Received unknown parameter: ${name}`, { code: 'parameter_unknown', param: name });
    }
  }
}

export function optString(params: FormObject, name: string, maxLength = 5000): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw invalid(`Invalid string: ${name} must be a string`, { code: 'parameter_invalid_string', param: name });
  if (value.length > maxLength) throw invalid(`Invalid ${name}: must be at most ${maxLength} characters`, { param: name });
  return value;
}

export function optPositiveInt(params: FormObject, name: string): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) <= 0) {
    throw invalid(`Invalid positive integer`, { code: 'parameter_invalid_integer', param: name });
  }
  return Number(value);
}

export function requiredPositiveInt(params: FormObject, name: string): number {
  const value = optPositiveInt(params, name);
  if (value === undefined) throw invalid(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name });
  return value;
}

export function optBoolean(params: FormObject, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`Invalid boolean: ${typeof value === 'string' ? value : name}`, { param: name });
}

export function optEnum<T extends string>(params: FormObject, name: string, values: readonly T[]): T | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !values.includes(value as T)) {
    const list = values.length > 1 ? `${values.slice(0, -1).join(', ')}, or ${values.at(-1)}` : values.join('');
    throw invalid(`Invalid ${name}: must be one of ${list}`, { param: name });
  }
  return value as T;
}

/** `metadata[k]=v`: at most 50 keys, keys ≤ 40 characters, values ≤ 500; an empty value unsets the key. */
export function metadataParam(params: FormObject, current: Record<string, string> = {}): Record<string, string> {
  const value: FormValue | undefined = params.metadata;
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('Invalid metadata: must be an object', { param: 'metadata' });
  const out = { ...current };
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(`Invalid metadata[${key}]: must be a string`, { param: `metadata[${key}]` });
    if (key.length > 40) throw invalid(`Invalid metadata: keys must be at most 40 characters`, { param: `metadata[${key}]` });
    if (v.length > 500) throw invalid(`Invalid metadata: values must be at most 500 characters`, { param: `metadata[${key}]` });
    if (v === '') delete out[key];
    else out[key] = v;
  }
  if (Object.keys(out).length > 50) throw invalid('Invalid metadata: at most 50 keys', { param: 'metadata' });
  return out;
}

export function optObject(params: FormObject, name: string): FormObject | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid object`, { param: name });
  return value;
}

export function optStringArray(params: FormObject, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid('Invalid array', { param: name });
  return value as string[];
}

/** A required three-letter currency code, lower case as Stripe writes it. */
export function requiredCurrency(params: FormObject, name = 'currency'): string {
  const currency = optString(params, name);
  if (currency === undefined) throw invalid(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name });
  if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}. Use a lowercase ISO code such as usd.`, { param: name });
  return currency;
}
