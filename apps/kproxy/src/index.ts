// Public API of @kproxy/kproxy.
export {};
