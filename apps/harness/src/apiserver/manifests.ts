/** The YAML loader: multi-document manifests into plain objects. */
import yaml from 'js-yaml';
import type { KubeObject } from './store.ts';

/**
 * Parses a multi-document YAML (or JSON) manifest. Empty documents are skipped and `kind: List` (any
 * `*List`) documents are flattened into their items. Throws on YAML syntax errors or a non-object document.
 */
export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  const visit = (doc: unknown, where: string) => {
    if (doc === null || doc === undefined) return;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${where}: not an object`);
    const obj = doc as KubeObject;
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
      (obj.items as unknown[]).forEach((item, i) => visit(item, `${where} item ${i}`));
      return;
    }
    out.push(obj);
  };
  yaml.loadAll(text).forEach((doc, i) => visit(doc, `document ${i}`));
  return out;
}
