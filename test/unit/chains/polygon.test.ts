import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  parseGwei,
  toHex,
  zeroAddress,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anvil } from '../../../dev/chains/anvil.ts';
import { freePort } from '../../../dev/ports.ts';
import { custodialAddress } from '../../../src/chains/custody.ts';
import { GAS_PER_TICKET_IN_FULL_BATCH } from '../../../src/chains/polygon/fees.ts';
import { createPolygonAdapter, type PolygonAdapterConfig } from '../../../src/chains/polygon/index.ts';
import { type ChainAdapter, ChainUnavailableError, type MintRequest, type SignedMint } from '../../../src/chains/types.ts';
import { jsonRpc } from '../../helpers/json-rpc';
import { startPolygonFixture } from './fixtures.ts';

/**
 * The Polygon adapter against a real EVM node (anvil, mining each transaction as it arrives) and the compiled
 * TicketNFT contract. Every test mints tickets with fresh ids, so the tests share one chain.
 */
const SEED = 'polygon-test-custody-seed-0123456789abcdef';
const TENANT = 'tenant-polygon';
const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const ERC721 = parseAbi([
  'function ownerOf(uint256 tokenId) view returns (address)',
  'function mintBatch(address[] to, uint256[] tokenIds)',
  'function issuerTransfer(address from, address to, uint256 tokenId)',
]);
// Anvil's second dev account: funded, but not the contract's minter.
const STRANGER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

let anvil: Anvil, contract: Hex, adapter: ChainAdapter, config: PolygonAdapterConfig;
beforeAll(async () => {
  ({ anvil, contract, config, adapter } = await startPolygonFixture(SEED));
}, 30_000);
afterAll(() => anvil?.stop());

type Ticket = MintRequest & { userId: string };

const rpc = <T>(method: string, params: unknown[] = [], url = anvil.rpcUrl): Promise<T> => jsonRpc<T>(url, method, params);

/** `count` tickets with fresh ids, each owned by a new user (a first ticket per buyer). */
async function newTickets(count: number): Promise<Ticket[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const userId = `user-${crypto.randomUUID()}`;
      return {
        ticketId: crypto.randomUUID(),
        tenantId: TENANT,
        userId,
        owner: await custodialAddress(SEED, { tenantId: TENANT, userId, chain: 'polygon' }),
      };
    }),
  );
}

async function ownerOf(ticket: Ticket): Promise<string> {
  const tokenId = BigInt(await adapter.tokenIdOf(ticket));
  const data = encodeFunctionData({ abi: ERC721, functionName: 'ownerOf', args: [tokenId] });
  const answer = await rpc<Hex>('eth_call', [{ to: contract, data }, 'latest']);
  return getAddress((decodeAbiParameters([{ type: 'address' }], answer) as [string])[0]);
}

/** Transfer events from the zero address (mints) of the ticket's token, over the whole chain. */
async function mintEvents(ticket: Ticket): Promise<number> {
  const tokenId = BigInt(await adapter.tokenIdOf(ticket));
  const logs = await rpc<unknown[]>('eth_getLogs', [
    { address: contract, fromBlock: '0x0', toBlock: 'latest', topics: [TRANSFER_TOPIC, pad(zeroAddress), null, pad(toHex(tokenId))] },
  ]);
  return logs.length;
}

type Receipt = { status: Hex; gasUsed: Hex; effectiveGasPrice: Hex; logs: unknown[]; transactionHash: Hex };

/** The receipt, once mined: anvil mines a transaction just after it has answered for it. */
async function receiptOf(hash: string): Promise<Receipt> {
  for (let tries = 0; tries < 200; tries++) {
    const receipt = await rpc<Receipt | null>('eth_getTransactionReceipt', [hash]);
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`transaction ${hash} was not mined`);
}

/** Calls the contract straight from `key` (the minter by default), past the adapter. */
async function callContract(data: Hex, key: Hex = anvil.minterKey): Promise<Receipt> {
  const chain = defineChain({
    id: anvil.chainId,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const wallet = createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(anvil.rpcUrl) });
  // A fixed gas limit, so a call that reverts is mined (and its receipt read) instead of failing its estimate.
  return receiptOf(await wallet.sendTransaction({ to: contract, data, gas: 500_000n }));
}

/** Sends mintBatch straight to the contract as the minter, past the adapter's own check of what is on chain. */
async function mintDirectly(tickets: Ticket[]): Promise<Receipt> {
  const ids = await Promise.all(tickets.map(async (t) => BigInt(await adapter.tokenIdOf(t))));
  return callContract(encodeFunctionData({ abi: ERC721, functionName: 'mintBatch', args: [tickets.map((t) => getAddress(t.owner)), ids] }));
}

const noSigning = async () => {
  throw new Error('nothing should have been signed');
};

describe('Polygon adapter: minting', () => {
  it('mints tickets to their custodial addresses in one transaction, handing its hash over before sending it', async () => {
    const tickets = await newTickets(3);
    const signed: SignedMint[][] = [];
    let knownWhenSigned: unknown = 'not called';
    const outcomes = await adapter.mint(tickets, async (batch) => {
      signed.push([...batch]);
      knownWhenSigned = await rpc('eth_getTransactionByHash', [batch[0]?.transactionHash]);
    });

    expect(signed).toHaveLength(1);
    expect(knownWhenSigned).toBeNull();
    expect(outcomes).toHaveLength(1);
    const [outcome] = outcomes;
    expect(outcome?.status).toBe('confirmed');
    expect(outcome?.transactionHash).toBe(signed[0]?.[0]?.transactionHash);
    expect(outcome?.ticketIds).toEqual(tickets.map((t) => t.ticketId));
    expect(signed[0]?.[0]?.ticketIds).toEqual(tickets.map((t) => t.ticketId));

    const receipt = await receiptOf(outcome?.transactionHash as string);
    expect(receipt.status).toBe('0x1');
    expect(outcome?.feePaid).toBe(BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice));
    expect(outcome?.feePaid).toBeGreaterThan(0n);

    for (const ticket of tickets) expect(await ownerOf(ticket)).toBe(ticket.owner);
    const states = await adapter.onChainStates(tickets);
    for (const ticket of tickets) expect(states.get(ticket.ticketId)).toEqual({ state: 'minted', owner: ticket.owner });
  });

  it('never mints a ticket twice: a resent batch sends nothing, a mixed one only the new tickets, and the contract skips the rest', async () => {
    const tickets = await newTickets(3);
    await adapter.mint(tickets, async () => {});

    expect(await adapter.mint(tickets, noSigning)).toEqual([]);

    const [fresh] = await newTickets(1);
    const mixed = await adapter.mint([...tickets.slice(0, 2), fresh as Ticket], async () => {});
    expect(mixed).toHaveLength(1);
    expect(mixed[0]?.ticketIds).toEqual([fresh?.ticketId]);
    expect(mixed[0]?.status).toBe('confirmed');

    // The same batch straight to the contract, as if the adapter's read had been stale: it succeeds and mints nothing.
    const again = await mintDirectly([...tickets, fresh as Ticket]);
    expect(again.status).toBe('0x1');
    expect(again.logs).toEqual([]);
    for (const ticket of [...tickets, fresh as Ticket]) {
      expect(await mintEvents(ticket)).toBe(1);
      expect(await ownerOf(ticket)).toBe(ticket.owner);
    }
  });

  it('sends one ticket once when a batch names it twice', async () => {
    const [ticket] = (await newTickets(1)) as [Ticket];
    const outcomes = await adapter.mint([ticket, { ...ticket }], async () => {});
    expect(outcomes.map((o) => o.ticketIds)).toEqual([[ticket.ticketId]]);
    expect(await mintEvents(ticket)).toBe(1);
  });

  it('mints a full batch of 100 in one transaction and reads 150 tickets in two calls', async () => {
    const tickets = await newTickets(100);
    const outcomes = await adapter.mint(tickets, async () => {});
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.ticketIds).toHaveLength(100);
    const receipt = await receiptOf(outcomes[0]?.transactionHash as string);
    expect(receipt.logs).toHaveLength(100);
    const perTicket = Number(BigInt(receipt.gasUsed)) / 100;
    console.info(`Polygon: gas per ticket in a batch of 100 (distinct new owners): ${perTicket.toFixed(0)}`);
    expect(Math.abs(perTicket - Number(GAS_PER_TICKET_IN_FULL_BATCH)) / perTicket).toBeLessThan(0.15);

    const more = await newTickets(50);
    const states = await adapter.onChainStates([...tickets, ...more]);
    expect(states.size).toBe(150);
    expect(tickets.every((t) => states.get(t.ticketId)?.state === 'minted')).toBe(true);
    expect(more.every((t) => states.get(t.ticketId)?.state === 'absent')).toBe(true);

    await expect(adapter.mint([...more, ...more, ...more].slice(0, 101), noSigning)).rejects.toThrow(/at most 100/);
  });

  it('refuses an owner that is not an address before signing anything', async () => {
    const [ticket] = (await newTickets(1)) as [Ticket];
    await expect(adapter.mint([{ ...ticket, owner: 'not-an-address' }], noSigning)).rejects.toThrow(/not an EVM address/);
    await expect(adapter.mint([{ ...ticket, owner: zeroAddress }], noSigning)).rejects.toThrow(/not an EVM address/);
  });
});

describe('Polygon adapter: burning', () => {
  it('burns the tickets their owners hold, never mints a burned ticket again, and leaves out the rest', async () => {
    const tickets = (await newTickets(3)) as [Ticket, Ticket, Ticket];
    await adapter.mint(tickets, async () => {});
    const [never] = (await newTickets(1)) as [Ticket];
    const [a, b, c] = tickets;

    const outcomes = await adapter.burn([
      { ticketId: a.ticketId, tenantId: TENANT, ownerUserId: a.userId },
      { ticketId: b.ticketId, tenantId: TENANT, ownerUserId: b.userId },
      // Held by another user's address (as after a resale): not burned.
      { ticketId: c.ticketId, tenantId: TENANT, ownerUserId: a.userId },
      { ticketId: never.ticketId, tenantId: TENANT, ownerUserId: never.userId },
    ]);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.status).toBe('confirmed');
    expect(outcomes[0]?.ticketIds).toEqual([a.ticketId, b.ticketId]);
    expect(outcomes[0]?.feePaid).toBeGreaterThan(0n);

    const states = await adapter.onChainStates([a, b, c, never]);
    expect(states.get(a.ticketId)).toEqual({ state: 'burned' });
    expect(states.get(b.ticketId)).toEqual({ state: 'burned' });
    expect(states.get(c.ticketId)).toEqual({ state: 'minted', owner: c.owner });
    expect(states.get(never.ticketId)).toEqual({ state: 'absent' });

    expect(await adapter.mint([a], noSigning)).toEqual([]);
    const direct = await mintDirectly([a, b]);
    expect(direct.status).toBe('0x1');
    expect(direct.logs).toEqual([]);
    expect((await adapter.onChainStates([a])).get(a.ticketId)).toEqual({ state: 'burned' });

    expect(await adapter.burn([{ ticketId: a.ticketId, tenantId: TENANT, ownerUserId: a.userId }])).toEqual([]);
  });

  it('burns a resold ticket for its new holder only, and lets only the minter move or mint tickets', async () => {
    const [ticket, buyer] = (await newTickets(2)) as [Ticket, Ticket];
    await adapter.mint([ticket], async () => {});
    const tokenId = BigInt(await adapter.tokenIdOf(ticket));
    const resale = encodeFunctionData({
      abi: ERC721,
      functionName: 'issuerTransfer',
      args: [getAddress(ticket.owner), getAddress(buyer.owner), tokenId],
    });

    expect((await callContract(resale, STRANGER_KEY)).status).toBe('0x0');
    const buyerToken = BigInt(await adapter.tokenIdOf(buyer));
    const strangerMint = encodeFunctionData({ abi: ERC721, functionName: 'mintBatch', args: [[getAddress(buyer.owner)], [buyerToken]] });
    expect((await callContract(strangerMint, STRANGER_KEY)).status).toBe('0x0');
    expect((await adapter.onChainStates([buyer])).get(buyer.ticketId)).toEqual({ state: 'absent' });
    expect((await callContract(resale)).status).toBe('0x1');
    expect(await ownerOf(ticket)).toBe(buyer.owner);

    expect(await adapter.burn([{ ticketId: ticket.ticketId, tenantId: TENANT, ownerUserId: ticket.userId }])).toEqual([]);
    const burned = await adapter.burn([{ ticketId: ticket.ticketId, tenantId: TENANT, ownerUserId: buyer.userId }]);
    expect(burned.map((o) => [o.status, o.ticketIds])).toEqual([['confirmed', [ticket.ticketId]]]);
    expect((await adapter.onChainStates([ticket])).get(ticket.ticketId)).toEqual({ state: 'burned' });
  });
});

describe('Polygon adapter: transactions that go wrong', () => {
  it('signs again with the next nonce when another transaction took its nonce, handing over both hashes', async () => {
    const tickets = await newTickets(2);
    const minter = privateKeyToAccount(anvil.minterKey);
    const signed: string[] = [];
    const outcomes = await adapter.mint(tickets, async (batch) => {
      signed.push(batch[0]?.transactionHash as string);
      if (signed.length > 1) return;
      // Another sender with the minter's key gets the same nonce mined first.
      await receiptOf(await rpc<string>('eth_sendTransaction', [{ from: minter.address, to: minter.address, value: '0x0' }]));
    });
    expect(signed).toHaveLength(2);
    expect(signed[0]).not.toBe(signed[1]);
    expect(outcomes[0]?.transactionHash).toBe(signed[1]);
    expect(outcomes[0]?.status).toBe('confirmed');
    expect(await rpc('eth_getTransactionByHash', [signed[0]])).toBeNull();
    for (const ticket of tickets) expect(await mintEvents(ticket)).toBe(1);
  });

  it('waits for its own transaction when the node took it but the answer was lost and the resend is refused', async () => {
    let sends = 0;
    const proxy = await rpcServer(async (request, raw, res) => {
      const answer = await forward(raw);
      if (request.method === 'eth_sendRawTransaction' && sends++ === 0) return respond(res, 503, 'upstream hiccup');
      respond(res, 200, answer);
    });
    try {
      const tickets = await newTickets(2);
      const signed: string[] = [];
      const outcomes = await createPolygonAdapter({ ...config, rpcUrl: proxy.url }).mint(tickets, async (batch) => {
        signed.push(batch[0]?.transactionHash as string);
      });
      expect(sends).toBe(2);
      expect(signed).toHaveLength(1);
      expect(outcomes[0]?.transactionHash).toBe(signed[0]);
      expect(outcomes[0]?.status).toBe('confirmed');
    } finally {
      await proxy.close();
    }
  });

  it('reports a transaction the chain reverted as a reverted outcome with its fee', async () => {
    const code = await rpc<Hex>('eth_getCode', [contract, 'latest']);
    const tickets = await newTickets(2);
    try {
      const outcomes = await adapter.mint(tickets, async () => {
        // Between signing and sending, the contract becomes code that always reverts (PUSH1 0 PUSH1 0 REVERT).
        await rpc('anvil_setCode', [contract, '0x60006000fd']);
      });
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]?.status).toBe('reverted');
      expect(outcomes[0]?.error).toBeTruthy();
      expect(outcomes[0]?.feePaid).toBeGreaterThan(0n);
    } finally {
      await rpc('anvil_setCode', [contract, code]);
    }
    expect((await adapter.onChainStates(tickets)).get(tickets[0]?.ticketId as string)).toEqual({ state: 'absent' });
  });

  it('refuses a mint with a plain Error when the minter cannot pay, naming no key', async () => {
    const minter = privateKeyToAccount(anvil.minterKey).address;
    const balance = await rpc<Hex>('eth_getBalance', [minter, 'latest']);
    await rpc('anvil_setBalance', [minter, '0x0']);
    try {
      // The node may prepare the transaction without looking at the balance; then sending it is what fails.
      const error = await adapter.mint(await newTickets(2), async () => {}).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ChainUnavailableError);
      expect((error as Error).message).toMatch(/insufficient funds|exceeds the balance/i);
      expect((error as Error).message).not.toContain(anvil.minterKey.slice(2));
    } finally {
      await rpc('anvil_setBalance', [minter, balance]);
    }
  });

  it('refuses a mint with a plain Error when the key is not the contract minter', async () => {
    // Estimating the mint reverts: the key is not the contract's minter.
    const stranger = createPolygonAdapter({ ...config, minterKey: STRANGER_KEY });
    const error = await stranger.mint(await newTickets(1), noSigning).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ChainUnavailableError);
    expect((error as Error).message).toMatch(/reverted with NotMinter/);
  });
});

describe('Polygon adapter: an unreachable chain', () => {
  const burnOne = (t: Ticket) => [{ ticketId: t.ticketId, tenantId: TENANT, ownerUserId: t.userId }];

  // Each call is tried three times (two quick retries) before it gives up: about 0.75 s.
  async function expectUnavailable(target: ChainAdapter, all = true): Promise<void> {
    const tickets = await newTickets(1);
    await expect(target.feeQuote()).rejects.toBeInstanceOf(ChainUnavailableError);
    await expect(target.mint(tickets, noSigning)).rejects.toBeInstanceOf(ChainUnavailableError);
    if (!all) return;
    await expect(target.onChainStates(tickets)).rejects.toBeInstanceOf(ChainUnavailableError);
    await expect(target.burn(burnOne(tickets[0] as Ticket))).rejects.toBeInstanceOf(ChainUnavailableError);
  }

  it('throws ChainUnavailableError when nothing listens at the RPC URL', async () => {
    await expectUnavailable(createPolygonAdapter({ ...config, rpcUrl: `http://127.0.0.1:${await freePort()}` }));
  });

  it('throws ChainUnavailableError when the RPC answers 503 or does not answer in time', { timeout: 15_000 }, async () => {
    const failing = await rpcServer(async (_request, _raw, res) => respond(res, 503, 'Service Unavailable'));
    const silent = await rpcServer(async () => {});
    try {
      await expectUnavailable(createPolygonAdapter({ ...config, rpcUrl: failing.url }), false);
      await expectUnavailable(createPolygonAdapter({ ...config, rpcUrl: silent.url, rpcTimeoutMs: 150 }), false);
    } finally {
      await failing.close();
      await silent.close();
    }
  });

  it('throws ChainUnavailableError when a sent transaction is not mined in time', async () => {
    await rpc('evm_setAutomine', [false]);
    try {
      const slow = createPolygonAdapter({ ...config, receiptTimeoutMs: 500 });
      const signed: string[] = [];
      const error = await slow
        .mint(await newTickets(1), async (batch) => void signed.push(batch[0]?.transactionHash as string))
        .catch((e) => e);
      expect(error).toBeInstanceOf(ChainUnavailableError);
      expect(signed).toHaveLength(1);
    } finally {
      await rpc('evm_setAutomine', [true]);
      await rpc('evm_mine');
    }
  });

  it('refuses with a plain Error when the RPC rejects the credentials (401), so the attempt counts', async () => {
    const locked = await rpcServer(async (_request, _raw, res) => respond(res, 401, 'Unauthorized'));
    try {
      const error = await createPolygonAdapter({ ...config, rpcUrl: locked.url })
        .feeQuote()
        .catch((e) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ChainUnavailableError);
    } finally {
      await locked.close();
    }
  });
});

describe('Polygon adapter: fee quotes', () => {
  it('quotes the cost of a ticket in a full batch and follows the base fee', async () => {
    const before = await adapter.feeQuote();
    expect(before.chain).toBe('polygon');
    expect(before.decimals).toBe(18);
    expect(before.perTicket).toBeGreaterThan(0n);

    await rpc('anvil_setNextBlockBaseFeePerGas', [toHex(parseGwei('500'))]);
    await rpc('evm_mine');
    const spiked = await adapter.feeQuote();
    expect(spiked.perTicket).toBeGreaterThan(before.perTicket * 10n);
    // The next block's base fee (500 gwei less an empty block's 1/8) alone, per ticket, is a floor of the quote.
    expect(spiked.perTicket).toBeGreaterThanOrEqual(GAS_PER_TICKET_IN_FULL_BATCH * parseGwei('437.5'));
    expect(spiked.congestion).toBe('high');

    await rpc('anvil_setNextBlockBaseFeePerGas', [toHex(parseGwei('1'))]);
    await rpc('evm_mine');
    expect((await adapter.feeQuote()).perTicket).toBeLessThan(spiked.perTicket);
  });
});

// A stand-in RPC endpoint: the handler answers each JSON-RPC request (or never does).
type RpcServer = { url: string; close(): Promise<void> };

async function rpcServer(handle: (request: { method: string }, raw: string, res: ServerResponse) => Promise<void>): Promise<RpcServer> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
    });
    req.on('end', () => {
      handle(JSON.parse(raw) as { method: string }, raw, res).catch(() => respond(res, 500, 'handler failed'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forward(raw: string): Promise<string> {
  const response = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
  return response.text();
}

function respond(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'text/plain' });
  res.end(body);
}
