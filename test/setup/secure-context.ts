/**
 * The test runner bundles @solana/* with their `browser` field applied, which swaps in builds that refuse to
 * sign unless `isSecureContext` is set. Deployed Workers get the packages' `workerd` builds, which have no
 * such check; workerd is not a browser and this flag is the only difference between the two builds.
 */
if (!(globalThis as { isSecureContext?: boolean }).isSecureContext) {
  Object.defineProperty(globalThis, 'isSecureContext', { value: true, configurable: true });
}
