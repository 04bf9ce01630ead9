// Public API of @kproxy/netns.
export { addAddress, addRoute, connectVeth, netnsSupport, setSysctl } from './links.ts';
export { createNetns, liveNamespaces, withNetns } from './namespace.ts';
export type { Netns } from './namespace.ts';
