import { type Bindings, parseConfig } from '../env';
import { loggerFor } from '../lib/logger';
import { generatePreviousYear1099da } from '../services/tax-forms';
import { cleanupProcessedRecords } from './cleanup';
import { beatHeartbeat } from './heartbeat';
import { reconcilePayments } from './reconcile';
import { CRON } from './schedules';

type Job = { name: string; run: (env: Bindings, ctx: ExecutionContext) => Promise<unknown> };

/** Jobs per schedule. */
export const CRON_JOBS: Record<string, Job[]> = {
  [CRON.everyFiveMinutes]: [
    { name: 'heartbeat', run: (env) => beatHeartbeat(env) },
    { name: 'reconcile', run: reconcilePayments },
  ],
  [CRON.daily]: [{ name: 'cleanup', run: cleanupProcessedRecords }],
  // 1 January: every tenant's 1099-DA forms of the year just ended.
  [CRON.yearly]: [{ name: '1099-da', run: (env, ctx) => generatePreviousYear1099da(parseConfig(env), ctx) }],
};

/** Runs every job of the schedule; one failing job does not stop the others, and the run fails if any did. */
export async function handleScheduled(controller: ScheduledController, env: Bindings, ctx: ExecutionContext): Promise<void> {
  const logger = loggerFor(env, { cron: controller.cron });
  const jobs = CRON_JOBS[controller.cron];
  if (!jobs) throw new Error(`no jobs for cron ${controller.cron}`);
  const results = await Promise.allSettled(jobs.map((job) => job.run(env, ctx)));
  let failed = 0;
  results.forEach((result, i) => {
    const name = jobs[i]?.name;
    if (result.status === 'fulfilled') logger.info('cron.job.done', { job: name, result: result.value });
    else {
      failed++;
      logger.error('cron.job.failed', { job: name, err: result.reason });
    }
  });
  if (failed > 0) throw new Error(`${failed} cron job(s) failed for ${controller.cron}`);
}
