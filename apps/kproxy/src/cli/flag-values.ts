import { ConfigError } from '@kproxy/api';
import { parseDuration } from '../config/duration.ts';
import type { FieldKind } from '../config/kube-proxy-configuration.ts';

/** Go's strconv.ParseBool, which kube-proxy's flags use. Returns undefined for anything else. Pure. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

function invalid(flag: string, text: string, why: string): ConfigError {
  return new ConfigError(`invalid argument ${JSON.stringify(text)} for "--${flag}" flag: ${why}`);
}

/**
 * Converts a flag's text to its kind, with pflag-like messages (`invalid argument "x" for "--flag" flag:
 * ...`). Lists are comma-separated; maps are `key=value` pairs. Throws `ConfigError`. Pure.
 */
export function flagValue(kind: FieldKind, text: string, flag: string): unknown {
  switch (kind) {
    case 'string':
    case 'any':
      return text;
    case 'bool': {
      const b = parseGoBool(text);
      if (b === undefined) throw invalid(flag, text, 'want true or false');
      return b;
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) throw invalid(flag, text, 'want an integer');
      const n = Number(text);
      if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 31) throw invalid(flag, text, 'value out of range');
      return n;
    }
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw invalid(flag, text, 'want a number');
      return n;
    }
    case 'duration':
      try {
        return parseDuration(text);
      } catch {
        throw invalid(flag, text, 'want a duration like 30s, 1m0s or 24h');
      }
    case 'stringList':
      return text === '' ? [] : text.split(',').map((s) => s.trim());
    case 'boolMap': {
      const out: Record<string, boolean> = {};
      for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
        const m = /^\s*([A-Za-z0-9]+)\s*=\s*(\S+)\s*$/.exec(pair);
        const b = m ? parseGoBool(m[2] as string) : undefined;
        if (!m || b === undefined) throw invalid(flag, text, `want Name=true|false pairs, got ${JSON.stringify(pair)}`);
        out[m[1] as string] = b;
      }
      return out;
    }
  }
}
