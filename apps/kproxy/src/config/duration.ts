const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration (`30s`, `1m0s`, `1.5h`, `24h0m0s`, `0`) into milliseconds, as kube-proxy's flags and
 * config file write them. Throws `RangeError` on anything else. Pure.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    pos = 1;
  }
  if (pos >= s.length) throw new RangeError(`invalid duration ${JSON.stringify(text)}`);
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new RangeError(`invalid duration ${JSON.stringify(text)} (want e.g. 30s, 1m0s, 24h)`);
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  return sign * total;
}

/** Formats milliseconds the way Go prints a duration (`30s`, `1m0s`, `24h0m0s`, `500ms`, `0s`). Pure. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = rest / 1000;
  const secText = `${Number.isInteger(sec) ? sec : Number(sec.toFixed(9))}s`;
  if (h > 0) return `${sign}${h}h${m}m${secText}`;
  if (m > 0) return `${sign}${m}m${secText}`;
  return `${sign}${secText}`;
}
