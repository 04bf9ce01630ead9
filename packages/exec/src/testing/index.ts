// Test helpers of @kproxy/exec.
export { scriptedExecutor } from './scripted-executor.ts';
export type { ExecCall, ExecHandler, ScriptedExecutor } from './scripted-executor.ts';
