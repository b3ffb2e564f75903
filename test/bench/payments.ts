import { oneAtATime } from './payments/one-at-a-time.ts';
import { outboxLag } from './payments/outbox-lag.ts';
import { retryStorm } from './payments/retry-storm.ts';
import { Bench, message, type PaymentBenchOptions, workerReloads } from './payments/shared.ts';
import { throughput } from './payments/throughput.ts';
import { devSigner } from './tokens.ts';

/** Sets up a tenant, a venue and events, runs (a), (c), (b) and (b) one at a time, and prints each table as soon as it is ready. */
export async function runPaymentBenches(o: PaymentBenchOptions): Promise<void> {
  let b: Bench;
  try {
    b = new Bench(o, await devSigner(o.root));
    o.say(`payment benchmarks: tenant ${b.tenant}, venue knox (Knoxville TN)`);
    await b.venue();
  } catch (err) {
    if (o.signal.aborted) throw err;
    console.log(`\n!!! WARNING: payment benchmark setup failed, no payment tables: ${message(err)} !!!\n`);
    return;
  }
  const benches: Array<[string, (bench: Bench) => Promise<string>]> = [
    ['(a) retry storm', retryStorm],
    ['(c) outbox lag', outboxLag],
    ['(b) process throughput', throughput],
    ['(b) one payment at a time', oneAtATime],
  ];
  for (const [name, bench] of benches) {
    if (o.signal.aborted) throw new Error('interrupted');
    const gone = o.stackGone();
    if (gone) {
      console.log(`\n!!! WARNING: ${name} skipped: ${gone} !!!\n`);
      continue;
    }
    try {
      const reloadsBefore = workerReloads(o.logFile);
      let out = await bench(b);
      const reloads = workerReloads(o.logFile) - reloadsBefore;
      if (reloads > 0) {
        out += `\n!!! NOTE: wrangler dev reloaded the Worker ${reloads}× during this benchmark (a watched source file changed); its numbers are disturbed !!!`;
      }
      console.log(`\n${out}\n`);
    } catch (err) {
      if (o.signal.aborted) throw err;
      const why = o.stackGone();
      console.log(`\n!!! WARNING: ${name} failed: ${message(err)}${why ? ` (${why})` : ''} !!!\n`);
    }
  }
}
