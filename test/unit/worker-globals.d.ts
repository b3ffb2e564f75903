/**
 * The unit project type-checks the PSP adapters in Node, without the Workers runtime types. The registry's
 * types reach src/env.ts and src/lib/stubs.ts, which name these Worker globals; here they are opaque.
 */
declare type Env = Record<string, any>;
declare namespace Rpc {
  type DurableObjectBranded = object;
}
declare type DurableObjectNamespace<_T = unknown> = any;
