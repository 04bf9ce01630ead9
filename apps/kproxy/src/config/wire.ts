import yaml from 'js-yaml';
import { formatDuration } from './duration.ts';
import { CONFIG_SCHEMA } from './kube-proxy-configuration.ts';
import type { ConfigSchema, KubeProxyConfiguration } from './kube-proxy-configuration.ts';

function toWire(value: Record<string, unknown>, schema: ConfigSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema).sort()) {
    const kind = schema[key];
    const v = value[key];
    if (typeof kind === 'object') out[key] = toWire(v as Record<string, unknown>, kind);
    else if (kind === 'duration') out[key] = formatDuration(v as number);
    else out[key] = v;
  }
  return out;
}

/** The configuration as the file format writes it (durations as Go strings), for `/configz`. Pure. */
export function configurationToWire(config: KubeProxyConfiguration): Record<string, unknown> {
  return toWire(config as unknown as Record<string, unknown>, CONFIG_SCHEMA);
}

/** The configuration as YAML (`--write-config-to`); `decodeConfigFile` reads it back unchanged. Pure. */
export function configurationToYaml(config: KubeProxyConfiguration): string {
  const wire = configurationToWire(config);
  const { apiVersion, kind, ...rest } = wire;
  return yaml.dump({ apiVersion, kind, ...rest }, { lineWidth: 120, noRefs: true });
}
