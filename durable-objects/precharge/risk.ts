import { detectBot } from '../../src/domain/bot-detection';
import { assessFraud } from '../../src/domain/fraud-score';
import type { SubjectKind } from '../../src/domain/velocity';
import type { Bindings } from '../../src/env';
import { hmacSha256Hex } from '../../src/lib/crypto';
import { notapUserUuid } from '../../src/lib/ids';
import { riskStub } from '../../src/lib/stubs';
import { verifyVerificationToken } from '../../src/lib/verification-token';
import { objectConfig } from '../config';
import type { RiskReading } from '../risk/types';
import { type PrechargeOrder, type PrechargeStep, refuse } from './index';

/** Bot detection from the browser's trace, the user agent and Cloudflare's score; no I/O. */
export function botStep(): PrechargeStep {
  return {
    name: 'bot',
    async run(order, facts) {
      const { sessionData, userAgent, cfBotScore } = order.context;
      facts.bot = detectBot({ sessionData, userAgent, cfBotScore });
      if (!facts.bot.isBot) return { ok: true };
      return refuse('BOT_DETECTED');
    },
  };
}

/**
 * The card's identity for velocity without keeping its payment-method id: a keyed hash per tenant. It is
 * the payment-method token's identity, so a card tokenized again under a new id counts as another card;
 * a PSP's own card fingerprint would close that gap at the cost of one more PSP call per purchase.
 */
export async function cardFingerprintOf(key: string, tenantId: string, paymentMethodId: string): Promise<string> {
  return (await hmacSha256Hex(key, `card\n${tenantId}\n${paymentMethodId}`)).slice(0, 32);
}

/**
 * Fraud scoring, then velocity, from one read of each risk subject (user, card, and the IP address and
 * device when known). The read also counts the attempt in each subject, so the limits hold exactly under
 * concurrent purchases; every count is given back if this or a later step refuses. A challenge passes
 * with a NoTap verification token of this user for this tenant.
 */
export function fraudAndVelocityStep(env: Bindings): PrechargeStep {
  return {
    name: 'fraud',
    async run(order, facts) {
      const config = objectConfig(env);
      const now = Date.now();
      facts.cardFingerprint = await cardFingerprintOf(config.paymentIdKey, order.tenantId, order.paymentMethodId);
      const subjects = subjectsOf(order, facts.cardFingerprint);
      const readings = await Promise.all(
        subjects.map(([kind, value]) =>
          riskStub(env, order.tenantId, kind, value).holdAttempt({
            tenantId: order.tenantId,
            kind,
            value,
            transactionId: order.transactionId,
            actor: order.userId,
          }),
        ),
      );
      // Only what this call counted is given back: a retried transaction keeps the count its first attempt made.
      const release = async () => {
        await Promise.all(
          subjects.flatMap(([kind, value], i) =>
            readings[i]?.countedNow ? [riskStub(env, order.tenantId, kind, value).releaseAttempt(order.transactionId)] : [],
          ),
        );
      };
      const of = (kind: SubjectKind) => readings.find((r) => r.kind === kind);
      const user = of('user') as RiskReading;
      const device = of('device');
      const assessment = assessFraud(
        {
          purchasesLastHour: user.purchasesLastHour,
          purchasesLastDay: user.purchasesLastDay,
          accountsOnDevice: device ? device.distinctActors : null,
          knownScalperUser: user.scalper !== null,
          knownScalperDevice: device?.scalper != null,
          resaleMarkupPct: null,
          highDemand: order.event.highDemand === true,
          accountAgeMs: now - (user.firstSeenAt ?? now),
          deviceAgeMs: device ? now - (device.firstSeenAt ?? now) : null,
          botScore: facts.bot?.score ?? 0,
        },
        config.fraudThresholds,
      );
      facts.fraud = { ...assessment, challengePassed: false };
      facts.velocity = readings.map((r) =>
        r.velocity.ok
          ? { kind: r.kind, ok: true }
          : { kind: r.kind, ok: false, rule: r.velocity.rule, retryAfterMs: r.velocity.retryAfterMs },
      );
      if (assessment.decision === 'decline') {
        await release();
        return refuse('FRAUD_DETECTED');
      }
      if (assessment.decision === 'challenge') {
        const token = order.context.verificationToken;
        // NoTap names a user by the canonical id of the buyer's subject (itself when it is a UUID).
        const notapUser = (await notapUserUuid(config.paymentIdKey, order.tenantId, order.userId)) ?? order.userId;
        const passed =
          token !== undefined &&
          (await verifyVerificationToken(config.notap.signingKeyPem, token, { tenantId: order.tenantId, userId: notapUser }, now));
        if (!passed) {
          await release();
          return refuse('VERIFICATION_REQUIRED');
        }
        facts.fraud.challengePassed = true;
      }
      const waits = readings.flatMap((r) => (r.velocity.ok ? [] : [r.velocity.retryAfterMs]));
      if (waits.length > 0) {
        await release();
        return refuse('RATE_LIMIT_EXCEEDED', {
          message: 'Too many purchases; retry after the time in Retry-After',
          retryAfterSeconds: Math.ceil(Math.max(...waits) / 1000),
        });
      }
      return { ok: true, undo: release };
    },
  };
}

function subjectsOf(order: PrechargeOrder, cardFingerprint: string): Array<[SubjectKind, string]> {
  const subjects: Array<[SubjectKind, string]> = [
    ['user', order.userId],
    ['card', cardFingerprint],
  ];
  if (order.context.ip) subjects.push(['ip', order.context.ip]);
  if (order.context.deviceFingerprint) subjects.push(['device', order.context.deviceFingerprint]);
  return subjects;
}
