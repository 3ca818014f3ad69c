// GET /docs: one self-contained HTML page (no CDN, no external asset: Intake runs on
// machines without internet) that fetches /openapi.json and renders it: every
// operation with its text, parameters, request schema, examples and responses.
// The document is the source; this page only shows it.

const SCRIPT = String.raw`
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
function inline(s) {
  return esc(s).replace(/\x60([^\x60]+)\x60/g, '<code>$1</code>').replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>');
}
// A small Markdown subset: paragraphs, "- " lists, "|" tables, code spans, bold.
function md(text) {
  if (!text) return '';
  const out = [];
  for (const block of String(text).split(/\n\s*\n/)) {
    const lines = block.split('\n');
    if (lines.every((l) => l.trim().startsWith('|'))) {
      const rows = lines.filter((l) => !/^\s*\|[-\s|]+\|\s*$/.test(l)).map((l) => l.trim().replace(/^\||\|$/g, '').split('|'));
      out.push('<table>' + rows.map((r, i) => '<tr>' + r.map((c) => (i ? '<td>' : '<th>') + inline(c.trim())).join('') + '</tr>').join('') + '</table>');
    } else if (lines[0].startsWith('- ')) {
      const items = [];
      for (const l of lines) if (l.startsWith('- ')) items.push(l.slice(2)); else items[items.length - 1] += ' ' + l.trim();
      out.push('<ul>' + items.map((i) => '<li>' + inline(i) + '</li>').join('') + '</ul>');
    } else out.push('<p>' + inline(lines.join(' ')) + '</p>');
  }
  return out.join('');
}
const json = (v) => '<pre>' + esc(JSON.stringify(v, null, 2)) + '</pre>';
function resolve(doc, v) {
  if (!v || !v.$ref) return v;
  return v.$ref.split('/').slice(1).reduce((o, k) => o[k], doc);
}
function content(doc, c) {
  let html = '';
  for (const [type, media] of Object.entries(c || {})) {
    html += '<div class="media"><code>' + esc(type) + '</code>';
    if (media.schema) html += '<details><summary>schema</summary>' + json(media.schema.$ref ? { $ref: media.schema.$ref, ...resolve(doc, media.schema) } : media.schema) + '</details>';
    if (media.example !== undefined) html += '<details><summary>example</summary>' + json(media.example) + '</details>';
    for (const [name, ex] of Object.entries(media.examples || {})) html += '<details><summary>example: ' + esc(ex.summary || name) + '</summary>' + json(ex.value) + '</details>';
    html += '</div>';
  }
  return html;
}
function render(doc) {
  let html = '<h1>' + esc(doc.info.title) + ' <small>' + esc(doc.info.version) + ' · OpenAPI ' + esc(doc.openapi) + ' · <a href="/openapi.json">/openapi.json</a></small></h1>';
  html += md(doc.info.description);
  const byTag = new Map((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ['other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, { tag: { name: tag }, ops: [] });
      byTag.get(tag).ops.push({ path, method, op });
    }
  }
  for (const { tag, ops } of byTag.values()) {
    html += '<h2>' + esc(tag.name) + '</h2>' + md(tag.description);
    for (const { path, method, op } of ops) {
      html += '<section id="' + esc(op.operationId) + '"><h3><span class="m ' + method + '">' + method.toUpperCase() + '</span> <code>' + esc(path) + '</code> — ' + esc(op.summary || '') + '</h3>';
      html += md(op.description);
      if (op.parameters && op.parameters.length) {
        html += '<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>description</th><th>schema</th></tr>';
        for (const p of op.parameters) html += '<tr><td><code>' + esc(p.name) + '</code></td><td>' + esc(p.in) + '</td><td>' + (p.required ? 'yes' : 'no') + '</td><td>' + md(p.description) + '</td><td>' + json(p.schema) + '</td></tr>';
        html += '</table>';
      }
      if (op.requestBody) html += '<h4>Request body</h4>' + md(op.requestBody.description) + content(doc, op.requestBody.content);
      html += '<h4>Responses</h4><table>';
      for (const [status, r] of Object.entries(op.responses || {})) {
        const resp = resolve(doc, r);
        html += '<tr><td><b>' + esc(status) + '</b></td><td>' + md(resp.description) + content(doc, resp.content) + '</td></tr>';
      }
      html += '</table></section>';
    }
  }
  document.getElementById('doc').innerHTML = html;
}
fetch('/openapi.json').then((r) => r.json()).then(render, (e) => { document.getElementById('doc').textContent = 'cannot load /openapi.json: ' + e; });
`;

export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Intake HTTP API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 small { font-size: 55%; font-weight: normal; color: #666; }
h2 { border-bottom: 2px solid #ddd; margin-top: 2em; text-transform: capitalize; }
section { border: 1px solid #e3e3e3; border-radius: 6px; padding: 0 1em 1em; margin: 1em 0; }
code, pre { font: 13px/1.4 ui-monospace, monospace; background: #f5f5f5; border-radius: 3px; }
code { padding: 0 3px; } pre { padding: .6em; overflow-x: auto; margin: .3em 0; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
td, th { border: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; vertical-align: top; }
.m { display: inline-block; min-width: 4.5em; text-align: center; color: #fff; border-radius: 3px; font-size: 80%; padding: 2px 4px; }
.get { background: #2b7bb9; } .post { background: #3b9a57; } .delete { background: #c0392b; } .put, .patch { background: #b9770e; }
details summary { cursor: pointer; color: #555; } .media { margin: .3em 0; }
</style>
</head>
<body>
<div id="doc">Loading <a href="/openapi.json">/openapi.json</a>…</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
