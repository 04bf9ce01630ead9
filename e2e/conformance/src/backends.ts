import type { BackendUnderTest } from '@kproxy/conformance';
import { fakeWinkernel } from '@kproxy/backend-winkernel/testing';

/**
 * Windows `kernelspace` over its semantic fake HNS (an L2Bridge network; the fake plays the CNI plugin and
 * creates HNS endpoints for local pods), traced with its HNS tracer.
 */
export const winkernelUnderTest: BackendUnderTest = {
  name: 'kernelspace',
  create(env) {
    return fakeWinkernel({ family: env.family, components: env.components }).backend;
  },
};

/** Every landed backend, in the order of the parity table's columns. */
export const LANDED_BACKENDS: readonly BackendUnderTest[] = [winkernelUnderTest];
