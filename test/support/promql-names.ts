// The metric names a PromQL expression reads, for checking dashboards and alert rules
// against /metrics. Not a full parser: it removes what cannot be a metric name
// (strings, comments, label matchers, durations, numbers, Grafana variables, label lists after
// by/without/on/ignoring/group_left/group_right), then keeps identifiers that are
// neither a function call (followed by `(`) nor a keyword.

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  let s = expr;
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""'); // string literals (inside matchers too)
  s = s.replace(/#[^\n]*/g, ' '); // comments (after strings, so a # inside a string is already gone)
  s = s.replace(/\{[^{}]*\}/g, ' '); // label matchers
  s = s.replace(/\[[^\]]*\]/g, ' '); // range and subquery durations
  s = s.replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' '); // Grafana variables ($__rate_interval, $instance)
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/gi, ' '); // label lists
  s = s.replace(/(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, ' '); // numbers
  s = s.replace(/\boffset\s+-?\d*[smhdwy]*/gi, ' ');
  const names = new Set<string>();
  const ident = /[A-Za-z_:][A-Za-z0-9_:]*/g;
  for (let m = ident.exec(s); m !== null; m = ident.exec(s)) {
    const name = m[0];
    const after = s.slice(m.index + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Names on a /metrics page (samples only: `_bucket`, `_sum`, `_count` of histograms as exposed). */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line);
    if (m) names.add(m[0]);
  }
  return names;
}
