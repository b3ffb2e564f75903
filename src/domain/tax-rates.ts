/**
 * Built-in tax tables: basic state rates, the fallback while no tax provider is plugged in.
 * Rates are integer basis points.
 *
 * State rates are the statewide base sales-tax rate (2025), without county or city add-ons except
 * where the state itself levies a uniform local part (UT 6.10 %, VA 5.30 %). Four states have a
 * half-basis-point rate — MN 6.875 %, NJ 6.625 %, MO 4.225 %, NM 4.875 % — and are rounded half up
 * to whole bps (688, 663, 423, 488) because rates are kept in integer bps; a precise provider
 * (TaxJar-style, behind `TaxProvider`) should replace this table where that matters.
 */

export interface StateTaxRate {
  readonly name: string;
  readonly bps: number;
}

export const US_STATE_TAX: Readonly<Record<string, StateTaxRate>> = {
  AL: { name: 'Alabama', bps: 400 },
  AK: { name: 'Alaska', bps: 0 },
  AZ: { name: 'Arizona', bps: 560 },
  AR: { name: 'Arkansas', bps: 650 },
  CA: { name: 'California', bps: 725 },
  CO: { name: 'Colorado', bps: 290 },
  CT: { name: 'Connecticut', bps: 635 },
  DE: { name: 'Delaware', bps: 0 },
  DC: { name: 'District of Columbia', bps: 600 },
  FL: { name: 'Florida', bps: 600 },
  GA: { name: 'Georgia', bps: 400 },
  HI: { name: 'Hawaii', bps: 400 },
  ID: { name: 'Idaho', bps: 600 },
  IL: { name: 'Illinois', bps: 625 },
  IN: { name: 'Indiana', bps: 700 },
  IA: { name: 'Iowa', bps: 600 },
  KS: { name: 'Kansas', bps: 650 },
  KY: { name: 'Kentucky', bps: 600 },
  LA: { name: 'Louisiana', bps: 500 },
  ME: { name: 'Maine', bps: 550 },
  MD: { name: 'Maryland', bps: 600 },
  MA: { name: 'Massachusetts', bps: 625 },
  MI: { name: 'Michigan', bps: 600 },
  MN: { name: 'Minnesota', bps: 688 },
  MS: { name: 'Mississippi', bps: 700 },
  MO: { name: 'Missouri', bps: 423 },
  MT: { name: 'Montana', bps: 0 },
  NE: { name: 'Nebraska', bps: 550 },
  NV: { name: 'Nevada', bps: 685 },
  NH: { name: 'New Hampshire', bps: 0 },
  NJ: { name: 'New Jersey', bps: 663 },
  NM: { name: 'New Mexico', bps: 488 },
  NY: { name: 'New York', bps: 400 },
  NC: { name: 'North Carolina', bps: 475 },
  ND: { name: 'North Dakota', bps: 500 },
  OH: { name: 'Ohio', bps: 575 },
  OK: { name: 'Oklahoma', bps: 450 },
  OR: { name: 'Oregon', bps: 0 },
  PA: { name: 'Pennsylvania', bps: 600 },
  RI: { name: 'Rhode Island', bps: 700 },
  SC: { name: 'South Carolina', bps: 600 },
  SD: { name: 'South Dakota', bps: 420 },
  TN: { name: 'Tennessee', bps: 700 },
  TX: { name: 'Texas', bps: 625 },
  UT: { name: 'Utah', bps: 610 },
  VT: { name: 'Vermont', bps: 600 },
  VA: { name: 'Virginia', bps: 530 },
  WA: { name: 'Washington', bps: 650 },
  WV: { name: 'West Virginia', bps: 600 },
  WI: { name: 'Wisconsin', bps: 500 },
  WY: { name: 'Wyoming', bps: 400 },
};

export interface CityTaxRates {
  /** Display name used in the breakdown ("Nashville Local Tax"). */
  readonly city: string;
  readonly localBps?: number;
  /** Entertainment (amusement) tax on event tickets. */
  readonly entertainmentBps?: number;
}

/**
 * City add-ons, keyed `STATE:normalized city`. Only Tennessee's are known;
 * elsewhere only the state rate applies until a real provider is plugged in.
 */
export const US_CITY_TAX: Readonly<Record<string, CityTaxRates>> = {
  'TN:nashville': { city: 'Nashville', localBps: 225, entertainmentBps: 100 },
  'TN:nashville-davidson': { city: 'Nashville', localBps: 225, entertainmentBps: 100 },
  'TN:knoxville': { city: 'Knoxville', localBps: 225 },
  'TN:memphis': { city: 'Memphis', localBps: 275, entertainmentBps: 100 },
};
