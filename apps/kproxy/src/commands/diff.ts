import type { Backend, IPFamily, ProxyState, SyncPlan } from '@kproxy/api';

/** One family's plan. */
export interface FamilyPlan {
  readonly family: IPFamily;
  readonly backend: string;
  readonly plan: SyncPlan;
}

/**
 * Asks each family's backend what its next sync would send for `states` (`Backend.plan`), without
 * applying anything.
 */
export async function planAll(backends: ReadonlyMap<IPFamily, Backend>, states: ReadonlyMap<IPFamily, ProxyState>): Promise<FamilyPlan[]> {
  const out: FamilyPlan[] = [];
  for (const [family, backend] of backends) {
    const state = states.get(family);
    if (!state) continue;
    out.push({ family, backend: backend.name, plan: await backend.plan(state) });
  }
  return out;
}

/** Renders plans for people: one header per family, then the exact text the backend would send. Pure. */
export function describePlans(plans: readonly FamilyPlan[], json = false): string {
  if (json) return `${JSON.stringify(plans, null, 2)}\n`;
  const parts = plans.map(({ family, backend, plan }) => {
    if (plan.operations === 0 || plan.text === '') return `${family} (${backend}): no changes; the kernel already matches the cluster.\n`;
    const body = plan.text.endsWith('\n') ? plan.text : `${plan.text}\n`;
    return `${family} (${backend}): the next sync would send ${plan.operations} operation${plan.operations === 1 ? '' : 's'} (${plan.full ? 'full' : 'partial'}):\n${body}`;
  });
  return parts.join('\n');
}
