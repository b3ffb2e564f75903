import type { TaxProfileRecord } from '../../durable-objects/seller/types';
import { maskTin, normalizeTin, type TaxAddress } from '../domain/tax-forms';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError, ValidationError } from '../lib/errors';
import { sellerStub } from '../lib/stubs';
import { encryptTin, tinOwner } from '../lib/tin-cipher';

export type TaxProfileView = { name: string; address: TaxAddress; tin: string; updatedAt: string };

function toView(record: TaxProfileRecord): TaxProfileView {
  return { name: record.name, address: record.address, tin: maskTin(record.tinLast4), updatedAt: record.updatedAt };
}

/**
 * Saves the caller's tax profile in their SellerDO. The TIN is encrypted here, before it leaves the request:
 * the object, its outbox and Postgres only ever see the ciphertext and the last four digits.
 */
export async function putTaxProfile(
  env: Bindings,
  config: Config,
  principal: Principal,
  body: { name: string; address: TaxAddress; tin: string },
): Promise<TaxProfileView> {
  const key = config.tax.tinKey;
  if (!key) throw new AppError('TAX_NOT_CONFIGURED');
  const tin = normalizeTin(body.tin);
  if (!tin) throw new ValidationError([{ field: 'tin', message: 'a US SSN or EIN: 9 digits' }]);
  const record = await sellerStub(env, principal.tenantId, principal.sub).putTaxProfile({
    tenantId: principal.tenantId,
    userId: principal.sub,
    name: body.name,
    address: body.address,
    tinCiphertext: await encryptTin(key, tin, tinOwner(principal.tenantId, principal.sub)),
    tinLast4: tin.slice(-4),
  });
  return toView(record);
}

export async function getTaxProfile(env: Bindings, principal: Principal): Promise<TaxProfileView> {
  const record = await sellerStub(env, principal.tenantId, principal.sub).taxProfile();
  if (!record) throw new NotFoundError('No tax profile');
  return toView(record);
}
