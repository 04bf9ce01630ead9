/**
 * `nft list ruleset` text (with `-a` handles or without) in a form two loads of the same ruleset share: the
 * table handles (a per-namespace counter) and element expiry times dropped, whitespace collapsed, and the
 * elements of every set and map sorted (the kernel lists them in hash order, seeded per set). The text
 * listing shows what nft 1.0.6's JSON listing leaves out (table and chain comments), so comparing both
 * listings catches a difference either one hides.
 */
export function normalizeTextListing(stdout: string): string {
  const flat = stdout
    .replace(/^(table \S+ \S+ \{) # handle \d+$/gm, '$1')
    .replace(/ expires [0-9a-z]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  // Elements: `elements = { a, b comment "x, y" : goto c }`; quoted strings may hold commas and braces.
  return flat.replace(/elements = \{((?:[^}"]|"[^"]*")*)\}/g, (_m, body: string) => {
    const parts = (body.match(/(?:[^,"]|"[^"]*")+/g) ?? []).map((p) => p.trim()).sort();
    return `elements = { ${parts.join(', ')} }`;
  });
}
