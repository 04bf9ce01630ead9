/**
 * JSON merge patch (RFC 7386). Strategic merge patches are applied with the same rules after dropping
 * their `$`-directives (`$patch`, `$setElementOrder/...`, `$retainKeys`): lists are replaced whole, which
 * is what the harness's tests and kubectl's simple applies need.
 */
export function applyMergePatch(target: unknown, patch: unknown, strategic = false): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return strategic ? stripDirectives(patch) : patch;
  }
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (strategic && key.startsWith('$')) continue;
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value, strategic);
  }
  return base;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .filter((v) => !(v !== null && typeof v === 'object' && '$patch' in (v as object)))
      .map(stripDirectives);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !k.startsWith('$'))
        .map(([k, v]) => [k, stripDirectives(v)]),
    );
  }
  return value;
}
