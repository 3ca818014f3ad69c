// Builds the web console into one self-contained page, dist/console/index.html:
// esbuild bundles console/src (Preact + htm + uPlot, all from node_modules) into one
// minified script and one stylesheet, and both are inlined into the page. One file and
// nothing fetched from elsewhere: the app serves it at GET /console (src/console/)
// on machines without internet, like /docs.
//
//   node console/build.mjs            → dist/console/index.html, and prints its size
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'console');

const result = await build({
  entryPoints: [join(root, 'console', 'src', 'main.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  write: false,
  outdir: out,
  legalComments: 'none',
  logLevel: 'warning',
});
const js = result.outputFiles.find((f) => f.path.endsWith('.js')).text;
const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
// A "</script" inside the script would end the element early; esbuild escapes it in
// string literals, and this asserts it stays that way.
if (/<\/script/i.test(js)) throw new Error('the bundle contains "</script"; it cannot be inlined');

// The page holds an API token, so it states what it may do: run only this script (by
// its hash, so an injected one cannot run), talk only to the server that served it
// (which is also what makes it work with no network), load nothing from elsewhere.
const scriptHash = createHash('sha256').update(js).digest('base64');
const csp = [
  "default-src 'none'",
  `script-src 'sha256-${scriptHash}'`,
  // Preact and uPlot set element styles at run time; the stylesheet is inline.
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>Intake console</title>
<link rel="icon" href="data:,">
<style>${css}</style>
</head>
<body>
<div id="app"></div>
<script>${js}</script>
</body>
</html>
`;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'index.html'), html);
const bytes = Buffer.byteLength(html);
console.log(`console: dist/console/index.html ${bytes} bytes, ${gzipSync(html).length} gzipped`);
