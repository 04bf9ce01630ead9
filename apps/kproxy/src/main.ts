// The kproxy executable: `node --conditions=@kproxy/source apps/kproxy/src/main.ts [kube-proxy flags]`.
import { readFileSync, watch, writeFileSync } from 'node:fs';
import { runCli } from './run-cli.ts';

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  readFile: (p) => readFileSync(p, 'utf8'),
  writeFile: (p, t) => writeFileSync(p, t),
  platform: process.platform,
  watchFile: (path, onChange) => {
    const watcher = watch(path, () => onChange());
    watcher.on('error', () => onChange());
    return () => watcher.close();
  },
  waitForSignal: () =>
    new Promise((resolve) => {
      for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s));
    }),
});
process.exitCode = code;
// Lingering sockets (watch connections being torn down) must not keep a stopped daemon alive.
setTimeout(() => process.exit(code), 2000).unref();
