import type { KnownScalper } from '../../durable-objects/risk/types';
import { type WaitUntil, withDb } from '../db/client';
import { type FraudCheckView, listFraudChecks, resolveFraudCheck } from '../db/repos/risk';
import type { Bindings, Config, Principal } from '../env';
import { NotFoundError } from '../lib/errors';
import { riskStub, scalperRegistryStub } from '../lib/stubs';

function view({ tenantId: _tenant, ...row }: FraudCheckView) {
  return {
    ...row,
    outcome: row.outcome as 'legitimate' | 'fraudulent' | null,
    decision: row.decision as 'approve' | 'review' | 'challenge' | 'decline',
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    timestamp: row.timestamp.toISOString(),
  };
}

export async function fraudChecks(config: Config, ctx: WaitUntil, principal: Principal, query: { decision?: string; limit: number }) {
  const rows = await withDb(config, ctx, (db) => listFraudChecks(db, principal.tenantId, query.decision, query.limit));
  return rows.map(view);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function resolveCheck(config: Config, ctx: WaitUntil, principal: Principal, id: string, outcome: string) {
  if (!UUID.test(id)) throw new NotFoundError('Fraud check not found');
  const row = await withDb(config, ctx, (db) => resolveFraudCheck(db, principal.tenantId, id, outcome, principal.sub));
  if (!row) throw new NotFoundError('Fraud check not found');
  return view(row);
}

function scalperView(s: KnownScalper) {
  const { tenantId: _t, confidenceScore: _c, addedBy: _a, ...rest } = s;
  return rest;
}

/** The list first (the record of who was listed), then the flag on each subject the checks read. */
export async function addScalper(
  env: Bindings,
  principal: Principal,
  body: { userId?: string; deviceFingerprint?: string; reason: string },
) {
  const scalper = await scalperRegistryStub(env, principal.tenantId).addScalper({
    tenantId: principal.tenantId,
    ...body,
    addedBy: principal.sub,
  });
  await flagSubjects(env, scalper, (stub) => stub.flag(scalper.id, scalper.reason));
  return scalperView(scalper);
}

export async function removeScalper(env: Bindings, principal: Principal, id: string) {
  if (!UUID.test(id)) throw new NotFoundError('No active known-scalper entry with this id');
  const scalper = await scalperRegistryStub(env, principal.tenantId).removeScalper(principal.tenantId, id);
  if (!scalper) throw new NotFoundError('No active known-scalper entry with this id');
  await flagSubjects(env, scalper, (stub) => stub.unflag(scalper.id));
}

async function flagSubjects(env: Bindings, s: KnownScalper, apply: (stub: ReturnType<typeof riskStub>) => Promise<void>): Promise<void> {
  const subjects: Array<ReturnType<typeof riskStub>> = [];
  if (s.userId) subjects.push(riskStub(env, s.tenantId, 'user', s.userId));
  if (s.deviceFingerprint) subjects.push(riskStub(env, s.tenantId, 'device', s.deviceFingerprint));
  await Promise.all(subjects.map(apply));
}
