/**
 * Field selectors as the API server supports them for Services, EndpointSlices and Nodes:
 * `metadata.name` and `metadata.namespace` with `=`, `==` or `!=`, joined by commas (AND).
 */
import { SelectorParseError } from './label-selector.ts';

/** One parsed field requirement. */
export interface FieldRequirement {
  readonly field: 'metadata.name' | 'metadata.namespace';
  readonly equals: boolean;
  readonly value: string;
}

/** A parsed field selector. */
export type FieldSelector = readonly FieldRequirement[];

/** Parses `?fieldSelector=` text; throws `SelectorParseError` (400) for unsupported fields. */
export function parseFieldSelector(text: string | undefined | null): FieldSelector {
  if (!text || text.trim() === '') return [];
  return text.split(',').map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new SelectorParseError(`invalid field selector "${raw}"`);
    if (m[1] !== 'metadata.name' && m[1] !== 'metadata.namespace') {
      throw new SelectorParseError(`field label not supported: ${m[1]}`);
    }
    return { field: m[1], equals: m[2] !== '!=', value: m[3] };
  });
}

/** True when the object's metadata satisfies every requirement. */
export function fieldsMatch(
  selector: FieldSelector,
  metadata: { readonly name?: string; readonly namespace?: string } | undefined,
): boolean {
  for (const req of selector) {
    const actual = (req.field === 'metadata.name' ? metadata?.name : metadata?.namespace) ?? '';
    if ((actual === req.value) !== req.equals) return false;
  }
  return true;
}
