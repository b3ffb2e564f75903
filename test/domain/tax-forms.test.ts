import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildForm1099da,
  DEFAULT_1099DA_THRESHOLD,
  Form1099daData,
  formatDollars,
  formRequired,
  isReportableYear,
  maskTin,
  normalizeTin,
  previousTaxYear,
  recipientOf,
  taxFigures,
  taxYearRange,
} from '../../src/domain/tax-forms';

const nineDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }).map((d) => d.join(''));

describe('normalizeTin', () => {
  it.each([
    ['123-45-6789', '123456789'],
    ['12-3456789', '123456789'],
    ['123456789', '123456789'],
    [' 987-65-4321 ', '987654321'],
  ])('%j → %s', (input, digits) => {
    expect(normalizeTin(input)).toBe(digits);
  });

  it.each(['12345678', '1234567890', '123-456-789', '1234-5-6789', '123 45 6789', '12345678a', '', '---------', '١٢٣٤٥٦٧٨٩'])(
    'refuses %j',
    (input) => {
      expect(normalizeTin(input)).toBeNull();
    },
  );

  it('every SSN, EIN and plain spelling of nine digits gives the same digits', () => {
    fc.assert(
      fc.property(nineDigits, (d) => {
        const spellings = [d, `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`, `${d.slice(0, 2)}-${d.slice(2)}`];
        for (const s of spellings) expect(normalizeTin(s)).toBe(d);
      }),
    );
  });
});

describe('maskTin', () => {
  it('shows the last four digits only', () => {
    expect(maskTin('6789')).toBe('***-**-6789');
  });

  it('never shows more than four digits, and those are the last four of the TIN', () => {
    fc.assert(
      fc.property(nineDigits, (tin) => {
        const masked = maskTin(tin.slice(-4));
        expect(masked.replace(/\D/g, '')).toBe(tin.slice(-4));
        expect(masked).not.toContain(tin.slice(0, 5));
      }),
    );
  });

  it.each(['678', '67890', 'abcd', '123-45-6789'])('refuses %j as the last four', (last4) => {
    expect(() => maskTin(last4)).toThrow(RangeError);
  });
});

describe('figures and threshold', () => {
  it('gain is proceeds minus basis, whatever the totals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.integer({ min: 0, max: 1e12 }),
        fc.integer({ min: 0, max: 1e6 }),
        (proceeds, basis, count) => {
          const f = taxFigures({
            totalProceeds: proceeds,
            grossSalesPrice: proceeds + 10,
            transactionCosts: 10,
            totalCostBasis: basis,
            transactionCount: count,
          });
          expect(f.totalGain).toBe(proceeds - basis);
          expect(f.totalProceeds + f.transactionCosts).toBe(f.grossSalesPrice);
        },
      ),
    );
  });

  it('a form is due from the threshold on: 59999 is not, 60000 is', () => {
    expect(DEFAULT_1099DA_THRESHOLD).toBe(60_000);
    expect(formRequired(59_999, DEFAULT_1099DA_THRESHOLD)).toBe(false);
    expect(formRequired(60_000, DEFAULT_1099DA_THRESHOLD)).toBe(true);
    expect(formRequired(0, 0)).toBe(true);
  });

  it('required is monotone in the proceeds', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), (a, b, threshold) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        if (formRequired(lo, threshold)) expect(formRequired(hi, threshold)).toBe(true);
      }),
    );
  });
});

describe('tax years', () => {
  it('a year is the UTC calendar year, half open', () => {
    const { start, end } = taxYearRange(2025);
    expect(start.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(end.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('every instant falls in exactly its own UTC year', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), (at) => {
        const year = at.getUTCFullYear();
        const { start, end } = taxYearRange(year);
        expect(at >= start && at < end).toBe(true);
        expect(at < taxYearRange(year + 1).start).toBe(true);
      }),
    );
  });

  it('the yearly run reports the year just ended', () => {
    expect(previousTaxYear(new Date('2026-01-01T06:00:00Z'))).toBe(2025);
  });

  it('reportable years run from 2025 to the current year', () => {
    const now = new Date('2027-03-01T00:00:00Z');
    expect([2024, 2025, 2026, 2027, 2028, 2025.5].map((y) => isReportableYear(y, now))).toEqual([false, true, true, true, false, false]);
  });
});

describe('buildForm1099da', () => {
  const totals = { totalProceeds: 60_000, grossSalesPrice: 70_000, transactionCosts: 10_000, totalCostBasis: 45_000, transactionCount: 3 };
  const address = { street: '1 Main St', city: 'Knoxville', state: 'TN', zip: '37902', country: 'US' };
  const generatedAt = new Date('2026-01-01T06:00:00Z');

  it('assembles the form with the masked TIN; the stored shape parses back', () => {
    const { status, data } = buildForm1099da({
      taxYear: 2025,
      payer: { name: 'edgepay', tenantId: 't1' },
      recipient: recipientOf({ name: 'Ada Seller', address, tinLast4: '6789' }),
      totals,
      generatedAt,
    });
    expect(status).toBe('generated');
    expect(data).toEqual({
      formType: '1099-DA',
      taxYear: 2025,
      payer: { name: 'edgepay', tenantId: 't1' },
      recipient: { name: 'Ada Seller', address, tin: '***-**-6789' },
      figures: { ...totals, totalGain: 15_000 },
      currency: 'USD',
      proceedsNetOfCosts: true,
      assetDescription: 'Event ticket NFT',
      generatedAt: '2026-01-01T06:00:00.000Z',
    });
    expect(Form1099daData.parse(JSON.parse(JSON.stringify(data)))).toEqual(data);
  });

  it('the figures carry the totals only, whatever else the row beside them holds', () => {
    const row = { ...totals, tenantId: 't1', sellerId: 'ada', profile: { name: 'Ada', tinLast4: '6789' } };
    const { data } = buildForm1099da({
      taxYear: 2025,
      payer: { name: 'edgepay', tenantId: 't1' },
      recipient: null,
      totals: row,
      generatedAt,
    });
    expect(data.figures).toEqual({ ...totals, totalGain: 15_000 });
  });

  it('without a tax profile the form has no recipient and is missing_tin', () => {
    const { status, data } = buildForm1099da({
      taxYear: 2025,
      payer: { name: 'edgepay', tenantId: 't1' },
      recipient: null,
      totals,
      generatedAt,
    });
    expect(status).toBe('missing_tin');
    expect(data.recipient).toBeNull();
  });
});

describe('formatDollars', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [123_456, '1,234.56'],
    [-500, '-5.00'],
    [60_000, '600.00'],
  ])('%i cents → %s', (cents, text) => {
    expect(formatDollars(cents)).toBe(text);
  });
});
