import {
  createWalletClient,
  decodeAbiParameters,
  defineChain,
  encodeFunctionData,
  getAddress,
  type Hex,
  http,
  pad,
  parseAbi,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anvil } from '../../../dev/chains/anvil.ts';
import { startOutageProxy } from '../../../dev/chains/outage-proxy.ts';
import { freePort } from '../../../dev/ports.ts';
import { createPolygonAdapter, type PolygonAdapterConfig } from '../../../src/chains/polygon/index.ts';
import { type ChainAdapter, ChainUnavailableError, type SignedMint, type TransferRequest } from '../../../src/chains/types.ts';
import { jsonRpc } from '../../helpers/json-rpc';
import { type CustodialUser, custodialHolders, type OwnedTicket, startPolygonFixture } from './fixtures.ts';

/**
 * The Polygon adapter's resales against anvil and the compiled TicketNFT contract: the minter moves tickets between
 * custodial addresses with issuerTransferBatch. Every test uses fresh tickets and users, so the tests share one chain.
 */
const SEED = 'polygon-transfer-test-seed-0123456789abcdef';
const TENANT = 'tenant-polygon-transfer';
const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const TICKET = parseAbi([
  'function ownerOf(uint256 tokenId) view returns (address)',
  'function issuerTransferBatch(address[] from, address[] to, uint256[] tokenIds)',
]);
// Anvil's second dev account: funded, but not the contract's minter.
const STRANGER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

let anvil: Anvil, contract: Hex, adapter: ChainAdapter, config: PolygonAdapterConfig;
beforeAll(async () => {
  ({ anvil, contract, config, adapter } = await startPolygonFixture(SEED));
}, 30_000);
afterAll(() => anvil?.stop());

type User = CustodialUser;
type Ticket = OwnedTicket;
const { newUser, mintedTickets } = custodialHolders(SEED, TENANT, 'polygon', () => adapter);

const rpc = <T>(method: string, params: unknown[] = []): Promise<T> => jsonRpc<T>(anvil.rpcUrl, method, params);

const resale = (ticket: Ticket, seller: User, buyer: User): TransferRequest => ({
  ticketId: ticket.ticketId,
  tenantId: TENANT,
  fromUserId: seller.userId,
  to: buyer.address,
});

async function ownerOf(ticket: Ticket): Promise<string> {
  const tokenId = BigInt(await adapter.tokenIdOf(ticket));
  const answer = await rpc<Hex>('eth_call', [
    { to: contract, data: encodeFunctionData({ abi: TICKET, functionName: 'ownerOf', args: [tokenId] }) },
    'latest',
  ]);
  return getAddress((decodeAbiParameters([{ type: 'address' }], answer) as [string])[0]);
}

type Receipt = { status: Hex; gasUsed: Hex; effectiveGasPrice: Hex; logs: { topics: Hex[] }[] };

async function receiptOf(hash: string): Promise<Receipt> {
  for (let tries = 0; tries < 200; tries++) {
    const receipt = await rpc<Receipt | null>('eth_getTransactionReceipt', [hash]);
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`transaction ${hash} was not mined`);
}

const minterNonce = async () => rpc<Hex>('eth_getTransactionCount', [privateKeyToAccount(anvil.minterKey).address, 'latest']);

/** Calls the contract from `key`, past the adapter, with a fixed gas limit so a reverting call is mined. */
async function callContract(data: Hex, key: Hex = anvil.minterKey): Promise<Receipt> {
  const chain = defineChain({
    id: anvil.chainId,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const wallet = createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(anvil.rpcUrl) });
  return receiptOf(await wallet.sendTransaction({ to: contract, data, gas: 500_000n }));
}

const noSigning = async () => {
  throw new Error('nothing should have been signed');
};

describe('Polygon adapter: transfers', () => {
  it('moves a ticket to the buyer in one transaction from the minter, handing its hash over before sending it', async () => {
    const { seller, tickets } = await mintedTickets(1);
    const [ticket] = tickets as [Ticket];
    const buyer = await newUser();
    const signed: SignedMint[][] = [];
    let knownWhenSigned: unknown = 'not called';
    const outcomes = await adapter.transfer([resale(ticket, seller, buyer)], async (batch) => {
      signed.push([...batch]);
      knownWhenSigned = await rpc('eth_getTransactionByHash', [batch[0]?.transactionHash]);
    });

    expect(knownWhenSigned).toBeNull();
    expect(outcomes).toHaveLength(1);
    const [outcome] = outcomes;
    expect(outcome).toMatchObject({ status: 'confirmed', ticketIds: [ticket.ticketId], transactionHash: signed[0]?.[0]?.transactionHash });
    const receipt = await receiptOf(outcome?.transactionHash as string);
    expect(outcome?.feePaid).toBe(BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice));
    const tokenId = BigInt(await adapter.tokenIdOf(ticket));
    expect(receipt.logs.map((log) => log.topics)).toEqual([
      [TRANSFER_TOPIC, pad(seller.address.toLowerCase() as Hex), pad(buyer.address.toLowerCase() as Hex), pad(toHex(tokenId))],
    ]);
    console.info(`Polygon: gas of a transfer of one ticket: ${BigInt(receipt.gasUsed)}`);

    expect(await ownerOf(ticket)).toBe(buyer.address);
    expect((await adapter.onChainStates([ticket])).get(ticket.ticketId)).toEqual({ state: 'minted', owner: buyer.address });
    // The seller's own burn no longer reaches it; the buyer's does.
    expect(await adapter.burn([{ ticketId: ticket.ticketId, tenantId: TENANT, ownerUserId: seller.userId }])).toEqual([]);
  });

  it('confirms a transfer asked again without sending anything', async () => {
    const { seller, tickets } = await mintedTickets(2);
    const buyer = await newUser();
    const requests = tickets.map((t) => resale(t, seller, buyer));
    const first = await adapter.transfer(requests, async () => {});
    expect(first.map((o) => o.status)).toEqual(['confirmed']);
    const nonce = await minterNonce();

    const again = await adapter.transfer(requests, noSigning);
    expect(again).toEqual([{ transactionHash: '', ticketIds: tickets.map((t) => t.ticketId), status: 'confirmed', feePaid: 0n }]);
    expect(await minterNonce()).toBe(nonce);

    // The same batch straight to the contract, as if the adapter's read had been stale: it succeeds and moves nothing.
    const ids = await Promise.all(tickets.map(async (t) => BigInt(await adapter.tokenIdOf(t))));
    const direct = await callContract(
      encodeFunctionData({
        abi: TICKET,
        functionName: 'issuerTransferBatch',
        args: [tickets.map(() => getAddress(seller.address)), tickets.map(() => getAddress(buyer.address)), ids],
      }),
    );
    expect(direct.status).toBe('0x1');
    expect(direct.logs).toEqual([]);
    for (const ticket of tickets) expect(await ownerOf(ticket)).toBe(buyer.address);
  });

  it('moves what it can and refuses, each on its own, tickets never minted, burned or held by someone else', async () => {
    const { seller, tickets } = await mintedTickets(4);
    const [movable, burned, elsewhere, done] = tickets as [Ticket, Ticket, Ticket, Ticket];
    const [buyer, other] = await Promise.all([newUser(), newUser()]);
    await adapter.burn([{ ticketId: burned.ticketId, tenantId: TENANT, ownerUserId: seller.userId }]);
    await adapter.transfer([resale(elsewhere, seller, other), resale(done, seller, buyer)], async () => {});
    const never: Ticket = { ticketId: crypto.randomUUID(), tenantId: TENANT, userId: seller.userId, owner: seller.address };

    const outcomes = await adapter.transfer(
      [movable, burned, elsewhere, done, never, movable].map((t) => resale(t, seller, buyer)),
      async () => {},
    );
    const byTicket = new Map(outcomes.flatMap((o) => o.ticketIds.map((id) => [id, o] as const)));
    expect(byTicket.size).toBe(5);
    expect(byTicket.get(movable.ticketId)).toMatchObject({ status: 'confirmed', ticketIds: [movable.ticketId] });
    expect(byTicket.get(movable.ticketId)?.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(byTicket.get(done.ticketId)).toEqual({ transactionHash: '', ticketIds: [done.ticketId], status: 'confirmed', feePaid: 0n });
    for (const [ticket, reason] of [
      [burned, /burned/],
      [elsewhere, /held by neither/],
      [never, /not minted/],
    ] as const) {
      expect(byTicket.get(ticket.ticketId)).toEqual({
        transactionHash: '',
        ticketIds: [ticket.ticketId],
        status: 'reverted',
        feePaid: 0n,
        error: expect.stringMatching(reason),
      });
    }
    const states = await adapter.onChainStates([movable, burned, elsewhere, never]);
    expect([...states.values()]).toEqual([
      { state: 'minted', owner: buyer.address },
      { state: 'burned' },
      { state: 'minted', owner: other.address },
      { state: 'absent' },
    ]);

    // Past the adapter, the contract refuses to move a ticket its `from` does not hold.
    const tokenId = BigInt(await adapter.tokenIdOf(elsewhere));
    const stale = encodeFunctionData({
      abi: TICKET,
      functionName: 'issuerTransferBatch',
      args: [[getAddress(seller.address)], [getAddress(buyer.address)], [tokenId]],
    });
    expect((await callContract(stale)).status).toBe('0x0');
    expect(await ownerOf(elsewhere)).toBe(other.address);
  });

  it('moves 100 tickets of different sellers to different buyers in one transaction', async () => {
    const sellers = await Promise.all(Array.from({ length: 4 }, () => newUser()));
    const minted = await Promise.all(sellers.map((seller) => mintedTickets(25, seller)));
    const buyers = await Promise.all(Array.from({ length: 100 }, () => newUser()));
    const requests = minted.flatMap(({ seller, tickets }, s) => tickets.map((t, i) => resale(t, seller, buyers[s * 25 + i] as User)));
    const outcomes = await adapter.transfer(requests, async () => {});
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 'confirmed' });
    expect(outcomes[0]?.ticketIds).toHaveLength(100);
    const receipt = await receiptOf(outcomes[0]?.transactionHash as string);
    expect(receipt.logs).toHaveLength(100);
    console.info(
      `Polygon: gas per ticket in a transfer batch of 100 (to buyers holding none): ${(Number(BigInt(receipt.gasUsed)) / 100).toFixed(0)}`,
    );
    const states = await adapter.onChainStates(minted.flatMap((m) => m.tickets));
    expect([...states.values()]).toEqual(buyers.map((b) => ({ state: 'minted', owner: b.address })));
    await expect(adapter.transfer([...requests, requests[0] as TransferRequest], noSigning)).rejects.toThrow(/at most 100/);
  });

  it('refuses a buyer that is not an address, and a key that is not the minter, with plain Errors', async () => {
    const { seller, tickets } = await mintedTickets(1);
    const ticket = tickets[0] as Ticket;
    await expect(adapter.transfer([{ ...resale(ticket, seller, seller), to: 'nobody' }], noSigning)).rejects.toThrow(/not an EVM address/);
    const stranger = createPolygonAdapter({ ...config, minterKey: STRANGER_KEY });
    const error = await stranger.transfer([resale(ticket, seller, await newUser())], noSigning).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ChainUnavailableError);
    expect((error as Error).message).toMatch(/reverted with NotMinter/);
    expect(await ownerOf(ticket)).toBe(seller.address);
  });
});

describe('Polygon adapter: transfers on an unreachable chain', () => {
  it('throws ChainUnavailableError when nothing listens, or the node goes away, and moves the ticket once it is back', async () => {
    const { seller, tickets } = await mintedTickets(1);
    const request = resale(tickets[0] as Ticket, seller, await newUser());
    const nowhere = createPolygonAdapter({ ...config, rpcUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(nowhere.transfer([request], noSigning)).rejects.toBeInstanceOf(ChainUnavailableError);

    const proxy = await startOutageProxy(anvil.rpcUrl);
    try {
      const behind = createPolygonAdapter({ ...config, rpcUrl: proxy.url });
      proxy.setDown(true);
      await expect(behind.transfer([request], noSigning)).rejects.toBeInstanceOf(ChainUnavailableError);
      proxy.setDown(false);
      expect((await behind.transfer([request], async () => {})).map((o) => o.status)).toEqual(['confirmed']);
    } finally {
      await proxy.close();
    }
    expect(await ownerOf(tickets[0] as Ticket)).toBe(request.to);
  });
});
