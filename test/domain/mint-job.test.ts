import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mintJobView, type TicketMintState } from '../../src/domain/mint-job';

const t = (status: TicketMintState['status'], transactionHash: string | null = null, updatedAt = '2026-12-07T10:00:00.000Z') => ({
  status,
  transactionHash,
  updatedAt,
});

describe('a mint job as the buyer sees it', () => {
  it('is queued, then minting, then completed with the hash of the latest transaction', () => {
    expect(mintJobView('mint_1', [t('queued'), t('queued'), t('queued')])).toEqual({
      jobId: 'mint_1',
      status: 'queued',
      progress: 0,
      transactionHash: null,
    });
    expect(mintJobView('mint_1', [t('minting', '0xa'), t('queued'), t('queued')]).status).toBe('minting');
    const partly = mintJobView('mint_1', [t('minted', '0xa'), t('minting'), t('queued')]);
    expect(partly).toEqual({ jobId: 'mint_1', status: 'minting', progress: 33, transactionHash: '0xa' });
    const done = mintJobView('mint_1', [t('minted', '0xa', '2026-12-07T10:00:00.000Z'), t('minted', '0xb', '2026-12-07T10:00:05.000Z')]);
    expect(done).toEqual({ jobId: 'mint_1', status: 'completed', progress: 100, transactionHash: '0xb' });
  });

  it('is failed as soon as one ticket failed for good', () => {
    expect(mintJobView('mint_1', [t('minted', '0xa'), t('failed')]).status).toBe('failed');
  });

  it('reports 100 only when every ticket is minted, and never more', () => {
    const state = fc.constantFrom<TicketMintState['status']>('queued', 'minting', 'minted', 'failed');
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 200 }), (statuses) => {
        const view = mintJobView(
          'j',
          statuses.map((s) => t(s)),
        );
        expect(view.progress >= 0 && view.progress <= 100).toBe(true);
        expect(view.progress === 100).toBe(statuses.every((s) => s === 'minted'));
        expect(view.status === 'completed').toBe(statuses.every((s) => s === 'minted'));
      }),
    );
  });
});
