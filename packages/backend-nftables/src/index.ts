// Public API of @kproxy/backend-nftables.
export { nftablesBackend } from './backend.ts';
export type { NftablesBackendOptions } from './backend.ts';
export type { NftablesRenderOptions } from './context.ts';
export {
  affinitySetName,
  CHAIN,
  DEFAULT_TABLE,
  endpointChainBase,
  hashAndTruncate,
  SET,
  servicePortChainBase,
  servicePortChains,
} from './names.ts';
export type { ServicePortChains } from './names.ts';
export { reconcile } from './reconcile.ts';
export { desiredRuleset, render } from './render.ts';
export type { RenderMemo, RenderOptions, RenderResult } from './render.ts';
