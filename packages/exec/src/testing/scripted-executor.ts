import type { ExecOptions, ExecResult, Executor } from '@kproxy/api';

/** One call seen by a scripted executor. */
export interface ExecCall {
  readonly file: string;
  readonly args: readonly string[];
  readonly stdin?: string;
}

/** Answers a call; return undefined to fall through to `{ exitCode: 0 }` with empty output. */
export type ExecHandler = (call: ExecCall) => Partial<ExecResult> | undefined | Promise<Partial<ExecResult> | undefined>;

/** An executor that never starts a process: it answers with `handler` and records every call. */
export interface ScriptedExecutor extends Executor {
  readonly calls: ExecCall[];
}

/** Creates a scripted executor for tests of code that runs programs. */
export function scriptedExecutor(handler: ExecHandler = () => undefined): ScriptedExecutor {
  const calls: ExecCall[] = [];
  return {
    calls,
    async run(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
      const stdin =
        options?.stdin === undefined
          ? undefined
          : typeof options.stdin === 'string'
            ? options.stdin
            : Buffer.from(options.stdin).toString('utf8');
      const call: ExecCall = { file, args: [...args], ...(stdin === undefined ? {} : { stdin }) };
      calls.push(call);
      const answer = (await handler(call)) ?? {};
      return { exitCode: answer.exitCode ?? 0, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
    },
  };
}
