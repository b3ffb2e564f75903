import type { Signature } from '@solana/kit';
import { ChainUnavailableError } from '../types';
import { call, isAlreadyProcessed, type SolanaRpc } from './client';
import type { SignedTransaction } from './transactions';
import type { Landing } from './transformers';

/**
 * Broadcasting signed transactions and waiting until each is final. Each is sent once with the node's preflight
 * simulation (a refusal there is final: the transaction never reaches a leader), then the statuses are polled. A
 * transaction the chain has not seen is sent again (the same bytes, so at most once on chain) while its blockhash is
 * valid; once the finalized block height passes its last valid height, it can never land: `expired`.
 */
export type SubmitOptions = {
  /** How long to wait for every transaction to be final; then ChainUnavailableError (the queue reads the chain later). */
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** How long an unseen transaction waits before it is sent again. */
  readonly resendMs: number;
  readonly requestTimeoutMs: number;
};

const STATUS_BATCH = 256;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function submit(rpc: SolanaRpc, transactions: readonly SignedTransaction[], options: SubmitOptions): Promise<Landing[]> {
  const { requestTimeoutMs } = options;
  const landings: (Landing | undefined)[] = transactions.map(() => undefined);
  const sent = await Promise.allSettled(
    transactions.map((tx) =>
      call('sendTransaction', rpc.sendTransaction(tx.wire, { encoding: 'base64', preflightCommitment: 'confirmed' }), requestTimeoutMs),
    ),
  );
  const unreachable = sent.filter((r) => r.status === 'rejected' && r.reason instanceof ChainUnavailableError);
  if (unreachable.length === sent.length) throw (unreachable[0] as PromiseRejectedResult).reason;
  sent.forEach((result, i) => {
    // A transaction whose sending got no answer may still have arrived, and one the node calls already processed has
    // landed: both wait for their status like the rest.
    if (result.status === 'rejected' && !(result.reason instanceof ChainUnavailableError) && !isAlreadyProcessed(result.reason)) {
      landings[i] = { kind: 'refused', error: result.reason instanceof Error ? result.reason.message : String(result.reason) };
    }
  });
  const lastSent = transactions.map(() => Date.now());
  const deadline = Date.now() + options.timeoutMs;

  for (;;) {
    const pending = transactions.flatMap((tx, i) => (landings[i] ? [] : [{ tx, i }]));
    if (!pending.length) return landings as Landing[];
    // The height first: a transaction unseen after the height passed its last valid one can no longer land.
    const height = await call('getBlockHeight', rpc.getBlockHeight({ commitment: 'finalized' }), requestTimeoutMs);
    const batches: Signature[][] = [];
    for (let at = 0; at < pending.length; at += STATUS_BATCH) {
      batches.push(pending.slice(at, at + STATUS_BATCH).map(({ tx }) => tx.transactionHash as Signature));
    }
    const answers = await Promise.all(
      batches.map((batch) => call('getSignatureStatuses', rpc.getSignatureStatuses(batch), requestTimeoutMs)),
    );
    const statuses = answers.flatMap(({ value }) => value);
    const resend: number[] = [];
    pending.forEach(({ tx, i }, at) => {
      const status = statuses[at];
      if (status?.confirmationStatus === 'finalized') landings[i] = { kind: 'landed', err: status.err };
      else if (!status && height > tx.lastValidBlockHeight) landings[i] = { kind: 'expired' };
      else if (!status && Date.now() - (lastSent[i] as number) >= options.resendMs) resend.push(i);
    });
    await Promise.all(
      resend.map(async (i) => {
        lastSent[i] = Date.now();
        const tx = transactions[i] as SignedTransaction;
        // Whatever the answer, the statuses decide: a resend refused now may be the first copy landing meanwhile.
        await call(
          'sendTransaction',
          rpc.sendTransaction(tx.wire, { encoding: 'base64', skipPreflight: true, maxRetries: 0n }),
          requestTimeoutMs,
        ).catch(() => undefined);
      }),
    );
    if (landings.every(Boolean)) return landings as Landing[];
    if (Date.now() > deadline) {
      const left = landings.filter((landing) => !landing).length;
      throw new ChainUnavailableError(`${left} Solana transactions were not final within ${options.timeoutMs} ms`);
    }
    await sleep(options.pollMs);
  }
}
