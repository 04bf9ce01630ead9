import yaml from 'js-yaml';
import { ConfigError } from '@kproxy/api';
import { parseDuration } from './duration.ts';
import { CONFIG_API_VERSION, CONFIG_KIND, CONFIG_SCHEMA, defaultConfiguration } from './kube-proxy-configuration.ts';
import type { ConfigSchema, FieldKind, KubeProxyConfiguration } from './kube-proxy-configuration.ts';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Converts one decoded YAML/JSON value to the field's kind, strictly (no string-to-number coercion). */
function fileValue(kind: FieldKind, raw: unknown, path: string): unknown {
  const bad = (want: string) => new ConfigError(`config field ${path}: want ${want}, got ${typeName(raw)}`);
  switch (kind) {
    case 'string':
      if (typeof raw !== 'string') throw bad('a string');
      return raw;
    case 'bool':
      if (typeof raw !== 'boolean') throw bad('true or false');
      return raw;
    case 'int':
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw bad('an integer');
      return raw;
    case 'float':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) throw bad('a number');
      return raw;
    case 'duration':
      if (typeof raw !== 'string') throw bad('a duration string like "30s"');
      try {
        return parseDuration(raw);
      } catch {
        throw bad('a duration string like "30s" or "1m0s"');
      }
    case 'stringList':
      if (raw === null) return [];
      if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) throw bad('a list of strings');
      return [...raw];
    case 'boolMap': {
      if (raw === null) return {};
      if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('a map of name: true|false');
      const out: Record<string, boolean> = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (!/^[A-Za-z0-9]+$/.test(k)) throw new ConfigError(`config field ${path}: ${JSON.stringify(k)} is not a feature gate name`);
        if (typeof v !== 'boolean') throw new ConfigError(`config field ${path}.${k}: want true or false, got ${typeName(v)}`);
        out[k] = v;
      }
      return out;
    }
    case 'any':
      return raw;
  }
}

function decodeInto(target: Record<string, unknown>, raw: unknown, schema: ConfigSchema, prefix: string): void {
  if (raw === null || raw === undefined) return;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`config field ${prefix || '(top level)'}: want an object, got ${typeName(raw)}`);
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    // Own properties only: `__proto__`, `constructor`, `toString` are unknown fields, not the prototype's.
    const kind = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (kind === undefined) {
      throw new ConfigError(`unknown field "${path}" in ${CONFIG_KIND} (${CONFIG_API_VERSION})`);
    }
    if (typeof kind === 'object') {
      decodeInto(target[key] as Record<string, unknown>, value, kind, path);
    } else if (value !== null || kind === 'stringList' || kind === 'boolMap' || kind === 'any') {
      target[key] = fileValue(kind, value, path);
    }
  }
}

/**
 * Decodes a KubeProxyConfiguration file (YAML or JSON) over kube-proxy's defaults, strictly: an unknown
 * field, a wrong type, a wrong apiVersion/kind or a YAML syntax error is a `ConfigError` naming the field.
 * (kube-proxy falls back to lenient decoding of v1alpha1 with a warning in its newest versions; kproxy
 * refuses.) `source` names the file in messages. Pure.
 */
export function decodeConfigFile(text: string, source = 'config file'): KubeProxyConfiguration {
  let raw: unknown;
  try {
    raw = yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${source}: want a ${CONFIG_KIND} object, got ${typeName(raw)}`);
  }
  const obj = raw as Record<string, unknown>;
  if (obj.apiVersion !== CONFIG_API_VERSION) {
    throw new ConfigError(`${source}: apiVersion must be ${CONFIG_API_VERSION}, got ${JSON.stringify(obj.apiVersion ?? null)}`);
  }
  if (obj.kind !== CONFIG_KIND) {
    throw new ConfigError(`${source}: kind must be ${CONFIG_KIND}, got ${JSON.stringify(obj.kind ?? null)}`);
  }
  const config = defaultConfiguration();
  try {
    decodeInto(config as unknown as Record<string, unknown>, obj, CONFIG_SCHEMA, '');
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${source}: ${err.message}`, { cause: err });
    throw err;
  }
  return config;
}
