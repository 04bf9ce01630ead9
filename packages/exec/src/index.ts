// Public API of @kproxy/exec.
export { runChecked } from './check.ts';
export { netnsExecutor } from './netns-executor.ts';
export { spawnExecutor } from './spawn-executor.ts';
