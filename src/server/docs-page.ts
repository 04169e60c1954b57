/**
 * A browsable page for the OpenAPI document, written here rather than fetched from a CDN
 * (nothing outside the host may be reachable) and without inline script, so the strict
 * Content-Security-Policy holds for it too.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Landlord API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/docs.css">
</head>
<body>
<header><h1>Landlord API</h1><p>Generated from the schemas requests are checked with. The raw document: <a href="/openapi.json">/openapi.json</a>.</p>
<label for="filter">Filter operations</label> <input id="filter" type="search" placeholder="tenants, POST, events ...">
</header>
<main id="ops" aria-live="polite">Loading ...</main>
<script type="module" src="/docs/docs.js"></script>
</body>
</html>
`;

export const DOCS_CSS = `body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1b1b1b}
h1{margin:.2rem 0}section{border:1px solid #ccc;border-radius:6px;margin:.6rem 0;padding:.4rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700}.GET{color:#075985}.POST{color:#166534}.PUT{color:#92400e}.DELETE{color:#991b1b}
code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f4f4f5;padding:.5rem;overflow:auto;max-height:24rem}
summary{cursor:pointer}summary:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #2563eb}
.acc{font-size:.8rem;border:1px solid #999;border-radius:4px;padding:0 .3rem;margin-left:.4rem}`;

export const DOCS_JS = `const ops = document.getElementById("ops");
const filter = document.getElementById("filter");
const el = (tag, props = {}, ...children) => { const e = document.createElement(tag); Object.assign(e, props); for (const c of children) e.append(c); return e; };
const json = (v) => el("pre", { textContent: JSON.stringify(v, null, 2) });
const doc = await (await fetch("/openapi.json")).json();
const sections = [];
for (const [path, methods] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(methods)) {
    const m = method.toUpperCase();
    const details = el("details", {}, el("summary", {}, el("span", { className: "m " + m, textContent: m }), el("code", { textContent: path }), " ", op.summary, el("span", { className: "acc", textContent: op["x-landlord-access"] })));
    if (op.parameters.length) details.append(el("h3", { textContent: "Parameters" }), json(op.parameters));
    if (op.requestBody) details.append(el("h3", { textContent: "Request body" }), json(op.requestBody.content["application/json"].schema));
    for (const [status, r] of Object.entries(op.responses)) {
      const c = r.content && (r.content["application/json"] || r.content["text/event-stream"]);
      details.append(el("h3", { textContent: "Response " + status + ": " + r.description }));
      if (c && status < "400") details.append(json(c.schema));
    }
    const section = el("section", {}, details);
    section.dataset.text = (m + " " + path + " " + op.summary).toLowerCase();
    sections.push(section);
  }
}
ops.replaceChildren(...sections);
filter.addEventListener("input", () => { const q = filter.value.toLowerCase(); for (const s of sections) s.hidden = !s.dataset.text.includes(q); });
`;
