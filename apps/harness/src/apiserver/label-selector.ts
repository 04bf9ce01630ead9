/**
 * Kubernetes label selectors as the API server parses them from `?labelSelector=`: equality-based
 * (`key`, `!key`, `key=value`, `key==value`, `key!=value`) and set-based (`key in (a,b)`,
 * `key notin (a,b)`) requirements, joined by commas (AND). `!=` and `notin` also match objects that do
 * not carry the key at all, exactly as upstream.
 */

/** One parsed requirement. */
export type LabelRequirement =
  | { readonly op: 'exists' | 'doesNotExist'; readonly key: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] };

/** A parsed selector: every requirement must hold. The empty selector matches everything. */
export type LabelSelector = readonly LabelRequirement[];

/** Thrown for selector text the API server would reject with 400. */
export class SelectorParseError extends Error {
  override readonly name = 'SelectorParseError';
}

// Qualified name with an optional DNS-subdomain prefix, as the API server validates label keys.
const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 317) throw new SelectorParseError(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new SelectorParseError(`invalid label value "${value}"`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new SelectorParseError('unbalanced parentheses');
  }
  if (depth !== 0) throw new SelectorParseError('unbalanced parentheses');
  parts.push(text.slice(start));
  return parts;
}

/** Parses selector text. Throws `SelectorParseError` on malformed input. */
export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  if (!text || text.trim() === '') return [];
  const out: LabelRequirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (part === '') throw new SelectorParseError('empty requirement');
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3]
        .split(',')
        .map((v) => v.trim())
        .map(checkValue);
      out.push({ op: set[2] as 'in' | 'notin', key: checkKey(set[1]), values });
      continue;
    }
    if (part.startsWith('!')) {
      out.push({ op: 'doesNotExist', key: checkKey(part.slice(1).trim()) });
      continue;
    }
    const eq = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (eq) {
      const key = checkKey(eq[1].trim());
      const value = checkValue(eq[3].trim());
      out.push({ op: eq[2] === '!=' ? 'notin' : 'in', key, values: [value] });
      continue;
    }
    out.push({ op: 'exists', key: checkKey(part) });
  }
  return out;
}

/** True when `labels` satisfy every requirement of `selector`. */
export function labelsMatch(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const req of selector) {
    const has = labels !== undefined && Object.hasOwn(labels, req.key);
    switch (req.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'doesNotExist':
        if (has) return false;
        break;
      case 'in':
        if (!has || !req.values.includes(labels[req.key])) return false;
        break;
      case 'notin':
        if (has && req.values.includes(labels[req.key])) return false;
        break;
    }
  }
  return true;
}
