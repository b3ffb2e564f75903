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
  }
}

export {};
