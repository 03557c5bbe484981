/**
 * A path glob as the server's policy and schema index read them (picomatch with dot files): `**` across folders,
 * `*` and `?` within one, `{a,b}` alternatives. The console uses it only to foresee what the server decides (which
 * schemas cover a document, whether a rule governs it); the server's answer stays the authority.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  let source = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '{') {
      braces++;
      source += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (c === ',' && braces > 0) source += '|';
    else source += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  const pattern = new RegExp(`^${source}$`);
  return (path) => pattern.test(path);
}

export function matchesAny(globs: readonly string[], path: string): boolean {
  return globs.some((glob) => globMatcher(glob)(path));
}
