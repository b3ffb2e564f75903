import { expect, it } from 'vitest';
import { minorToDecimalString } from '../../../src/domain/money.ts';
import { pspRequest } from '../../../src/psp/http.ts';
it('probe', () => {
  expect(minorToDecimalString(1, 2)).toBe('0.01');
  expect(typeof pspRequest).toBe('function');
});
