import type { BackendUnderTest } from '@kproxy/conformance';
import { nftablesBackend } from '@kproxy/backend-nftables';
import { fakeWinkernel } from '@kproxy/backend-winkernel/testing';
import { fakeNftClient } from '@kproxy/nftables-json/testing';

/**
 * nftables over the semantic fake nft client, traced with the backend's `explain` (the nftables-json
 * tracer over the listed table). Unset node-port addresses mean the primary IPs, as in kube-proxy's
 * nftables mode; the scenario's service CIDRs are passed on (unallocated service IPs are dropped).
 */
export const nftablesUnderTest: BackendUnderTest = {
  name: 'nftables',
  nodePortDefault: 'primary',
  create(env) {
    const client = fakeNftClient();
    return nftablesBackend({ family: env.family, client: () => client, serviceCIDRs: env.serviceCIDRs })(env.components);
  },
};

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
export const LANDED_BACKENDS: readonly BackendUnderTest[] = [nftablesUnderTest, winkernelUnderTest];
