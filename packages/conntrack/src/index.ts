// Public API of @kproxy/conntrack.
export { conntrackCleaner } from './conntrack-cleaner.ts';
export type { ConntrackCleaner, ConntrackCleanerOptions, ConntrackCleanupResult } from './conntrack-cleaner.ts';
export { conntrackDeleteArgs, conntrackFilterKey } from './conntrack-filter.ts';
export type { ConntrackFilter, ConntrackProtocol } from './conntrack-filter.ts';
export { staleConntrackFilters } from './stale-flows.ts';
