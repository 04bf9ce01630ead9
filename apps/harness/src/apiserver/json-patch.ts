/**
 * JSON patch (RFC 6902): `add`, `remove`, `replace`, `move`, `copy`, `test`, applied to a copy. Throws
 * `ApiError` 422 for a failed `test` or a path that does not exist.
 */
import { ApiError } from './api-error.ts';

type Json = unknown;

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function unescape(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new ApiError(422, 'Invalid', `invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map(unescape);
}

function parentOf(doc: Json, path: string[]): { parent: Record<string, Json> | Json[]; key: string } {
  let cur = doc;
  for (const t of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, Json>)[t];
    else cur = undefined;
    if (cur === undefined) throw new ApiError(422, 'Invalid', `path /${path.join('/')} does not exist`);
  }
  if (cur === null || typeof cur !== 'object') throw new ApiError(422, 'Invalid', `path /${path.join('/')} does not exist`);
  return { parent: cur as Record<string, Json> | Json[], key: path[path.length - 1] };
}

function get(doc: Json, pointer: string): Json {
  const path = tokens(pointer);
  if (path.length === 0) return doc;
  const { parent, key } = parentOf(doc, path);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined) throw new ApiError(422, 'Invalid', `path ${pointer} does not exist`);
  return v;
}

function remove(doc: Json, pointer: string): Json {
  const value = get(doc, pointer);
  const { parent, key } = parentOf(doc, tokens(pointer));
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return value;
}

function add(doc: Json, pointer: string, value: Json): Json {
  const path = tokens(pointer);
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new ApiError(422, 'Invalid', `index ${key} out of range`);
    }
    parent.splice(index, 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

/** Applies `patch` (an array of operations) to a copy of `target`. */
export function applyJsonPatch(target: Json, patch: unknown): Json {
  if (!Array.isArray(patch)) throw new ApiError(400, 'BadRequest', 'a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of patch as Operation[]) {
    switch (raw?.op) {
      case 'add':
        doc = add(doc, raw.path, structuredClone(raw.value));
        break;
      case 'remove':
        remove(doc, raw.path);
        break;
      case 'replace':
        get(doc, raw.path);
        if (tokens(raw.path).length === 0) doc = structuredClone(raw.value);
        else {
          remove(doc, raw.path);
          doc = add(doc, raw.path, structuredClone(raw.value));
        }
        break;
      case 'move': {
        const value = remove(doc, raw.from ?? '');
        doc = add(doc, raw.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, raw.path, structuredClone(get(doc, raw.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(get(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new ApiError(422, 'Invalid', `test operation failed at ${raw.path}`);
        }
        break;
      default:
        throw new ApiError(400, 'BadRequest', `unknown JSON patch operation ${JSON.stringify(raw?.op)}`);
    }
  }
  return doc;
}
