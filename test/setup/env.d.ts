// Values test/setup/global.node.ts provides to the workers project (read with `inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    databaseKind: string;
    databaseUrl: string;
    wsProxy: string;
    sandboxUrl: string;
    esPrivateJwk: string;
    esPublicPem: string;
    rsPrivateJwk: string;
    rsPublicPem: string;
    verificationKeyPem: string;
    /** The local chains (through their outage proxies) and the Worker's chain settings, as JSON. */
    chainVars: string;
    /** { polygon, solana }: the chains' own URLs, which a simulated outage does not touch. */
    chainDirectUrls: string;
  }
}

export {};
