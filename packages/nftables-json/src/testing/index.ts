// Test doubles of @kproxy/nftables-json: an in-memory ruleset with the kernel's semantics, and a client over it.
export { fakeNftClient } from './fake-client.ts';
export type { FakeNftClient, FakeNftClientOptions } from './fake-client.ts';
export { FakeRuleset } from './fake-ruleset.ts';
export type { FakeStats } from './fake-ruleset.ts';
export { normalizeTextListing } from './text-listing.ts';
