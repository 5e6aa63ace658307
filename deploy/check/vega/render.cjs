// render.cjs compiles a Kibana Vega-Lite spec with vega-lite, runs it with
// vega on the rows an Elasticsearch query returned, and renders it to SVG, as
// Kibana's Vega visualization does in the browser. Kibana's data.url (the
// Elasticsearch query) is replaced by the rows themselves.
//
//   node render.cjs NODE_MODULES_DIR < {"spec": {...}, "values": [...]}
//
// Prints {"warnings": [...], "marks": n, "svgBytes": n}; exits 1 when the spec
// does not compile or the view fails.
'use strict';
const path = require('path');
const { createRequire } = require('module');

const load = createRequire(path.join(process.argv[2], 'index.js'));
const vega = load('vega');
const vl = load('vega-lite');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  const warnings = [];
  const logger = vega.logger(vega.Warn, undefined, (method, level, args) => {
    warnings.push(`${method}: ${Array.from(args).map(String).join(' ')}`);
  });
  try {
    const { spec, values } = JSON.parse(input);
    spec.data = { values };
    spec.width = spec.width || 600;
    spec.height = spec.height || 300;
    const compiled = vl.compile(spec, { logger });
    const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logger });
    await view.runAsync();
    const svg = await view.toSVG();
    const marks = (svg.match(/<(path|rect|line|circle|text)\b[^>]*class="[^"]*mark/g) || []).length +
      (svg.match(/role="graphics-symbol"/g) || []).length;
    process.stdout.write(JSON.stringify({ warnings, marks, svgBytes: svg.length }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: String(err && err.stack || err), warnings }) + '\n');
    process.exitCode = 1;
  }
});
