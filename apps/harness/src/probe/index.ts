// Probes: an agent inside a client namespace that connects and reports who answered, or why not.
export { probeFlow, startProbeAgent } from './agent-client.ts';
export type { FlowObservation, FlowProbe, ProbeAgent } from './agent-client.ts';
export { outcomeOfErrorCode } from './protocol.ts';
export type { ProbeOutcome, ProbeRequest, ProbeResult } from './protocol.ts';
