// newsflow search page. No framework, no build step.
//
// Article text is untrusted. Every value from the API reaches the page as a
// text node (textContent, createTextNode) or a checked attribute; innerHTML
// is never used. Highlight fragments from the search backend are
// HTML-escaped text with <mark>…</mark> around matches: they are split on
// the two tags, each text piece is unescaped and inserted as text, and the
// marks are created as elements.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  // el builds an element with text children (strings become text nodes).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  // ---- highlight fragments ----------------------------------------------

  const entities = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&#34;": '"', "&#x2F;": "/", "&#47;": "/" };

  function unescapeHTML(s) {
    return s.replace(/&(?:#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m) => {
      if (m in entities) return entities[m];
      if (m.startsWith("&#x")) return String.fromCodePoint(parseInt(m.slice(3, -1), 16));
      if (m.startsWith("&#")) return String.fromCodePoint(parseInt(m.slice(2, -1), 10));
      return m;
    });
  }

  // fragmentNode turns "escaped text <mark>word</mark> more" into DOM.
  function fragmentNode(fragment) {
    const p = el("p", { class: "fragment" });
    let marked = false;
    for (const part of String(fragment).split(/(<mark>|<\/mark>)/)) {
      if (part === "<mark>") { marked = true; continue; }
      if (part === "</mark>") { marked = false; continue; }
      if (part === "") continue;
      const text = unescapeHTML(part);
      p.append(marked ? el("mark", { text: text }) : document.createTextNode(text));
    }
    return p;
  }

  // ---- UTF-8 byte offsets into JavaScript (UTF-16) string indexes -----------

  function utf8Length(s) {
    let n = 0;
    for (const ch of s) {
      const cp = ch.codePointAt(0);
      n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
    return n;
  }

  // utf16Index returns the string index where byte offset `off` of the
  // UTF-8 encoding of s starts, or -1 when off is not a character boundary.
  function utf16Index(s, off) {
    if (off === 0) return 0;
    let bytes = 0, i = 0;
    for (const ch of s) {
      const cp = ch.codePointAt(0);
      bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      i += ch.length;
      if (bytes === off) return i;
      if (bytes > off) return -1;
    }
    return -1;
  }

  // ---- formatting --------------------------------------------------------

  const num = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  function fmtNum(v) { return num.format(v || 0); }
  function fmtDate(s) {
    if (!s) return "";
    const d = new Date(s);
    if (isNaN(d)) return s;
    return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }
  function fmtSeconds(s) {
    if (!s) return "–";
    if (s < 0.001) return (s * 1e6).toFixed(0) + " µs";
    if (s < 1) return (s * 1e3).toFixed(1) + " ms";
    return s.toFixed(2) + " s";
  }
  function safeURL(u) {
    try {
      const p = new URL(u);
      return p.protocol === "http:" || p.protocol === "https:" ? p.href : null;
    } catch (e) { return null; }
  }

  // ---- API ------------------------------------------------------------

  async function api(path) {
    const res = await fetch(path, { headers: { Accept: "application/json" } });
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) throw new Error((body && body.error) || res.status + " " + res.statusText);
    return body;
  }

  // ---- search ------------------------------------------------------------

  const fields = ["q", "sort", "source", "kind", "unit", "min", "max", "from", "to"];
  const figureFields = ["kind", "unit", "min", "max"];
  const pageSize = 20;

  // What the process says about itself (/api/info): the syntax hint, and
  // where articles come from for the empty state.
  let info = null;
  async function loadInfo() {
    try {
      info = await api("/api/info");
      $("syntax-hint").textContent = info.syntax_hint || "";
    } catch (e) { /* the page works without it */ }
  }

  // figureParams keeps the figure filter of p, for the article view.
  function figureParams(p) {
    const f = new URLSearchParams();
    for (const k of figureFields) if (p.get(k)) f.set(k, p.get(k));
    return f;
  }

  function formParams() {
    const p = new URLSearchParams();
    for (const f of fields) {
      const v = $(f).value.trim();
      if (v) p.set(f, v);
    }
    return p;
  }

  function fillForm(p) {
    for (const f of fields) {
      const v = p.get(f) || "";
      const e = $(f);
      if (e.tagName === "SELECT" && v && ![...e.options].some((o) => o.value === v)) {
        e.append(el("option", { value: v, text: v }));
      }
      e.value = v;
    }
  }

  function fillSelect(id, facets) {
    const s = $(id), keep = s.value;
    const known = new Set([""]);
    s.replaceChildren(el("option", { value: "", text: "any" }));
    for (const f of facets || []) {
      s.append(el("option", { value: f.value, text: f.value + " (" + f.count + ")" }));
      known.add(f.value);
    }
    if (!known.has(keep)) s.append(el("option", { value: keep, text: keep }));
    s.value = keep;
  }

  async function loadFacets() {
    // The options list every value in the index, whatever the filters.
    try {
      const r = await api("/api/search?size=1");
      fillSelect("source", r.facets.source);
      fillSelect("kind", r.facets.kind);
      fillSelect("unit", r.facets.unit);
    } catch (e) { /* the search shows the error */ }
  }

  // fillDays lists the days of the current answer (newest first); picking
  // one sets From and To to it.
  function fillDays(facets) {
    const s = $("day"), from = $("from").value, to = $("to").value;
    s.replaceChildren(el("option", { value: "", text: "any" }));
    for (const f of facets || []) s.append(el("option", { value: f.value, text: f.value + " (" + f.count + ")" }));
    if (from && from === to) {
      if (![...s.options].some((o) => o.value === from)) s.append(el("option", { value: from, text: from }));
      s.value = from;
    } else s.value = "";
  }

  function articleHref(id, figs) {
    const f = figs && figs.toString();
    return "#article/" + encodeURIComponent(id) + (f ? "?" + f : "");
  }

  function figureChip(f, matched) {
    return el("mark", { class: "figure" + (matched ? " matched" : ""), title: f.kind + ": " + fmtNum(f.value) + (f.unit ? " " + f.unit : ""), text: f.text });
  }

  function renderHit(h, figs) {
    const a = el("a", { class: "title", href: articleHref(h.id, figs), text: h.title || "(untitled)" });
    const li = el("li", { class: "hit", "data-id": h.id },
      a,
      el("div", { class: "meta" }, el("span", { class: "source", text: h.source }), h.published_at ? el("span", { text: fmtDate(h.published_at) }) : null));
    for (const f of h.highlight || []) li.append(fragmentNode(f));
    if ((h.figures || []).length) {
      li.append(el("p", { class: "chips" }, "matching figures: ", ...h.figures.map((f) => figureChip(f, true))));
    }
    const others = h.story || [];
    if (others.length) {
      const more = (h.story_size || others.length + 1) - 1;
      const list = el("ul", {}, ...others.map((m) => el("li", {},
        el("a", { class: "member", href: articleHref(m.id, figs), text: m.title || "(untitled)" }),
        el("span", { class: "muted", text: " · " + m.source + (m.published_at ? " · " + fmtDate(m.published_at) : "") }))));
      if (more > others.length) list.append(el("li", { class: "muted", text: "and " + (more - others.length) + " more" }));
      li.append(el("details", { class: "story" }, el("summary", { text: more === 1 ? "1 more version or copy of this story" : more + " more versions or copies of this story" }), list));
    }
    return li;
  }

  // emptyState says why there is nothing: an empty index (where to put
  // articles) or a search that matched nothing.
  function emptyState(p) {
    const filtered = fields.some((f) => p.get(f) && f !== "sort");
    if (filtered) {
      return el("div", { class: "empty", id: "empty" }, "No article matches this search. ",
        info && info.syntax_hint ? el("span", { class: "muted", text: "Syntax: " + info.syntax_hint }) : null);
    }
    const parts = ["0 articles: "];
    if (info && info.watch) parts.push("drop files (.txt, .html, ninjs .json, NewsML-G2 .xml, .jsonl) in ", el("code", { text: info.watch }), " or ");
    parts.push("push JSON to ", el("code", { text: "POST " + ((info && info.push) || "/v1/articles") }));
    if (info && info.push_token) parts.push(" (with the bearer token)");
    if (info && !info.watch) parts.push("; newsflow up --watch DIR also reads a directory");
    parts.push(".");
    return el("div", { class: "empty", id: "empty" }, ...parts);
  }

  // Only the answer to the latest request is shown: an earlier one that
  // arrives late is dropped.
  let latest = 0;
  function loading() {
    document.body.dataset.state = "loading";
    return ++latest;
  }

  async function runSearch(p) {
    const seq = loading();
    $("article").hidden = true;
    $("results").hidden = false;
    fillForm(p);
    loadFacets();
    const offset = parseInt(p.get("offset") || "0", 10) || 0;
    const q = new URLSearchParams(p);
    q.set("size", String(pageSize));
    q.set("group", "story");
    $("error").hidden = true;
    try {
      const r = await api("/api/search?" + q.toString());
      if (seq !== latest) return;
      const articles = r.total === 1 ? "1 article" : fmtNum(r.total) + " articles";
      const stories = r.stories || 0;
      $("summary").textContent = stories && stories !== r.total ? fmtNum(stories) + (stories === 1 ? " story" : " stories") + " (" + articles + ")" : articles;
      const figs = figureParams(p);
      $("hits").replaceChildren(...r.hits.map((h) => renderHit(h, figs)));
      const old = $("empty");
      if (old) old.remove();
      if (r.total === 0) $("hits").before(emptyState(p));
      fillDays(r.facets.published);
      const pager = $("pager");
      pager.replaceChildren();
      const pages = stories || r.total;
      if (offset > 0) pager.append(pageLink(p, Math.max(0, offset - pageSize), "← previous"));
      if (offset + pageSize < pages) pager.append(pageLink(p, offset + pageSize, "more →"));
      document.body.dataset.state = "results";
    } catch (e) {
      if (seq !== latest) return;
      $("hits").replaceChildren();
      const old = $("empty");
      if (old) old.remove();
      $("summary").textContent = "";
      $("error").textContent = e.message;
      $("error").hidden = false;
      document.body.dataset.state = "error";
    }
  }

  function pageLink(p, offset, label) {
    const q = new URLSearchParams(p);
    if (offset) q.set("offset", String(offset)); else q.delete("offset");
    return el("a", { href: "#search?" + q.toString(), text: label });
  }

  // ---- article view ------------------------------------------------------

  const statusHelp = {
    unique: "first seen here",
    duplicate: "repeats an earlier paragraph of this article (left out of the body)",
    repeated: "appeared in an earlier article (kept)",
    boilerplate: "recurs across many articles of this source (left out)",
    updated: "nearly repeats an earlier paragraph with changed figures (kept: it is news)",
  };
  const kept = new Set(["unique", "repeated", "updated"]);

  function legend() {
    const d = el("div", { class: "legend", id: "legend" });
    for (const [s, help] of Object.entries(statusHelp)) {
      d.append(el("span", { title: help }, el("span", { class: "badge status-" + s, text: s }), help));
    }
    d.append(el("span", {}, el("mark", { class: "figure", text: "5,000" }), " figure"));
    return d;
  }

  // paragraphNode renders a paragraph's text with its figures marked.
  // figs hold UTF-8 byte offsets into the paragraph's text.
  function paragraphText(text, figs) {
    const p = el("p");
    let at = 0;
    const spans = [];
    for (const f of figs) {
      let s = utf16Index(text, f.localStart), e = utf16Index(text, f.localEnd);
      if (s < 0 || e < 0 || (f.text && text.slice(s, e) !== f.text)) {
        // Offsets that do not fit: fall back to the figure's text.
        s = f.text ? text.indexOf(f.text, at) : -1;
        e = s < 0 ? -1 : s + f.text.length;
      }
      if (s >= at && e > s) { spans.push([s, e, f]); at = e; }
    }
    at = 0;
    for (const [s, e, f] of spans) {
      if (s > at) p.append(document.createTextNode(text.slice(at, s)));
      const label = f.kind + ": " + fmtNum(f.value) + (f.range_to != null ? "–" + fmtNum(f.range_to) : "") + (f.unit ? " " + f.unit : "") + (f.subject ? " (" + f.subject + ")" : "") + (f.matched ? " · matches the figure filter" : "");
      p.append(el("mark", { class: "figure" + (f.matched ? " matched" : ""), "data-kind": f.kind, "data-value": String(f.value), title: label, text: text.slice(s, e) }));
      at = e;
    }
    if (at < text.length) p.append(document.createTextNode(text.slice(at)));
    return p;
  }

  // refTitles looks up the titles of the other articles a's paragraphs
  // point at (one search by id).
  async function refTitles(a) {
    const ids = [...new Set((a.paragraphs || []).map((p) => p.duplicate_of && p.duplicate_of.article_id).filter((id) => id && id !== a.id))].slice(0, 100);
    const titles = new Map();
    if (!ids.length) return titles;
    const q = new URLSearchParams();
    for (const id of ids) q.append("id", id);
    q.set("size", "100");
    try {
      const r = await api("/api/search?" + q.toString());
      for (const h of r.hits) titles.set(h.id, h.title || "(untitled)");
    } catch (e) { /* ids are shown instead */ }
    return titles;
  }

  // matchedFigures asks the search which figures of the article satisfy
  // the figure filter the article was opened with (the same rule as the
  // results), as "start:end" keys.
  async function matchedFigures(id, figs) {
    const keys = new Set();
    if (!figs || !figs.toString()) return keys;
    const q = new URLSearchParams(figs);
    q.set("id", id);
    q.set("size", "1");
    try {
      const r = await api("/api/search?" + q.toString());
      for (const h of r.hits) for (const f of h.figures || []) keys.add(f.start + ":" + f.end);
    } catch (e) { /* nothing marked */ }
    return keys;
  }

  function renderArticle(a, titles, matched) {
    const root = $("article");
    const back = el("a", { href: "#search?" + (sessionStorage.getItem("newsflow.search") || ""), text: "← results" });
    const meta = el("div", { class: "meta" },
      el("span", { class: "source", text: a.source }),
      a.published_at ? el("span", { text: "published " + fmtDate(a.published_at) }) : null,
      a.updated_at && a.updated_at !== a.published_at ? el("span", { text: "updated " + fmtDate(a.updated_at) }) : null,
      a.byline ? el("span", { text: a.byline }) : null,
      a.dateline ? el("span", { text: a.dateline }) : null,
      a.language ? el("span", { text: a.language }) : null);
    const url = a.url && safeURL(a.url);
    const children = [back, el("h1", { text: a.title || "(untitled)" }), meta];
    if (url) children.push(el("div", { class: "meta" }, el("a", { href: url, rel: "noopener noreferrer nofollow", target: "_blank", text: a.url })));
    const st = a.stats || {};
    children.push(el("p", { class: "meta", text: `${st.paragraphs_in || 0} paragraphs in, ${st.paragraphs_out || 0} in the body, ${st.duplicates || 0} duplicate, ${st.figures || 0} figures · story ${a.story_id || ""}` }));
    children.push(legend());

    // Byte offset in body where each kept paragraph starts.
    const starts = new Map();
    let off = 0, first = true;
    for (const para of a.paragraphs || []) {
      if (!kept.has(para.status)) continue;
      if (!first) off += 2; // "\n\n"
      first = false;
      starts.set(para.index, off);
      off += utf8Length(para.text);
    }
    const byPara = new Map();
    for (const f of a.figures || []) {
      const start = starts.get(f.paragraph);
      if (start === undefined) continue;
      const list = byPara.get(f.paragraph) || [];
      list.push(Object.assign({}, f, { localStart: f.start - start, localEnd: f.end - start, matched: matched.has(f.start + ":" + f.end) }));
      byPara.set(f.paragraph, list);
    }

    const paras = el("div", { id: "paragraphs" });
    for (const para of a.paragraphs || []) {
      const figs = (byPara.get(para.index) || []).sort((x, y) => x.localStart - y.localStart);
      const head = el("div", {}, el("span", { class: "badge status-" + para.status, title: statusHelp[para.status] || "", text: para.status }));
      const ref = para.duplicate_of;
      if (ref) {
        const where = ref.index === -1 ? "the title" : "paragraph " + (ref.index + 1);
        if (ref.article_id === a.id) {
          head.append(el("span", { class: "ref", text: "same as " + where }));
        } else {
          const title = titles.get(ref.article_id);
          head.append(el("span", { class: "ref" }, "first in ",
            el("a", { class: "ref-article", href: "#article/" + encodeURIComponent(ref.article_id), title: ref.article_id, text: title || "an article no longer in the index (" + ref.article_id + ")" }),
            ", " + where));
        }
      }
      paras.append(el("section", { class: "para status-" + para.status, "data-status": para.status, "data-index": String(para.index) }, head, paragraphText(para.text, figs)));
    }
    children.push(paras);

    if ((a.figures || []).length) {
      const t = el("table", { class: "figures" }, el("thead", {}, el("tr", {}, ...["figure", "kind", "value", "unit", "subject", "qualifier", "¶"].map((h) => el("th", { text: h })))));
      const tb = el("tbody");
      for (const f of a.figures) {
        tb.append(el("tr", { class: matched.has(f.start + ":" + f.end) ? "matched" : "" }, ...[f.text, f.kind, fmtNum(f.value) + (f.range_to != null ? "–" + fmtNum(f.range_to) : ""), f.unit || "", f.subject || "", f.qualifier || "", String(f.paragraph + 1)].map((v) => el("td", { text: v }))));
      }
      t.append(tb);
      children.push(el("h2", { text: "Figures" }), t);
    }
    root.replaceChildren(...children);
  }

  async function showArticle(id, figs) {
    const seq = loading();
    $("results").hidden = true;
    const root = $("article");
    root.hidden = false;
    root.replaceChildren(el("p", { class: "muted", text: "loading…" }));
    try {
      const a = await api("/api/articles/" + encodeURIComponent(id));
      const [titles, matched] = await Promise.all([refTitles(a), matchedFigures(id, figs)]);
      if (seq !== latest) return;
      renderArticle(a, titles, matched);
      document.body.dataset.state = "article";
    } catch (e) {
      if (seq !== latest) return;
      root.replaceChildren(el("p", { class: "error", text: e.message }));
      document.body.dataset.state = "error";
    }
    window.scrollTo(0, 0);
  }

  // ---- routing: #search?… and #article/<id> --------------------------------

  function route() {
    const h = location.hash.slice(1);
    if (h.startsWith("article/")) {
      const rest = h.slice("article/".length), qi = rest.indexOf("?");
      const id = decodeURIComponent(qi < 0 ? rest : rest.slice(0, qi));
      showArticle(id, new URLSearchParams(qi < 0 ? "" : rest.slice(qi + 1)));
      return;
    }
    const p = new URLSearchParams(h.startsWith("search?") ? h.slice("search?".length) : "");
    sessionStorage.setItem("newsflow.search", p.toString());
    runSearch(p);
  }

  // ---- live panel --------------------------------------------------------

  function row(dl, label, value, id) {
    dl.append(el("dt", { text: label }), el("dd", { id: id, text: value }));
  }

  async function refreshStats() {
    try {
      const s = await api("/api/stats");
      const dl = $("live-figures");
      dl.replaceChildren();
      row(dl, "produced", fmtNum(s.produced) + " (" + fmtNum(s.produced_per_second) + "/s)", "live-produced");
      row(dl, "indexed", fmtNum(s.indexed) + " (" + fmtNum(s.indexed_per_second) + "/s)", "live-indexed");
      row(dl, "dead letters", fmtNum(s.dead_lettered), "live-dead");
      row(dl, "consumer lag", fmtNum(s.lag), "live-lag");
      row(dl, "in flight", fmtNum(s.in_flight), "live-inflight");
      row(dl, "unchanged (skipped)", fmtNum(s.unchanged), "live-unchanged");
      row(dl, "end-to-end p95", fmtSeconds(s.end_to_end.p95_seconds), "live-e2e");
      try {
        const r = await api("/api/search?size=1");
        row(dl, "articles in the index", fmtNum(r.total), "live-total");
      } catch (e) { /* the search shows the error */ }
      const tb = $("live-stages").tBodies[0];
      const stages = (s.stages || []).filter((l) => l.count > 0);
      tb.replaceChildren(...stages.map((l) => el("tr", {},
        el("td", { text: l.name }), el("td", { text: fmtSeconds(l.mean_seconds) }), el("td", { text: fmtSeconds(l.p95_seconds) }),
        el("td", { class: "muted small", text: l.recent ? "now" : "overall" }))));
      if (!stages.length) tb.append(el("tr", {}, el("td", { colspan: "4", class: "muted small", text: "no article processed since the start" })));
      renderSources(s);
      $("live-window").textContent = s.window_seconds ? s.window_seconds.toFixed(0) : "10";
      $("live-state").textContent = s.indexed_per_second > 0 || s.lag > 0 ? "ingesting" : "idle";
    } catch (e) {
      $("live-state").textContent = "unavailable";
    }
  }

  function ago(t) {
    const s = (Date.now() - new Date(t).getTime()) / 1000;
    if (!(s >= 0)) return fmtDate(t);
    if (s < 90) return Math.round(s) + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    return fmtDate(t);
  }

  // renderSources shows each feed's and the watched directory's health.
  function renderSources(s) {
    const ul = $("live-sources");
    ul.replaceChildren();
    for (const f of s.feeds || []) {
      let what = f.state;
      if (f.state === "failing") what += " (" + (f.last_error || "error") + ")";
      if (f.last_success) what += " · " + (f.state === "ok" ? "" : "last ok ") + ago(f.last_success);
      ul.append(el("li", { class: "feed", "data-state": f.state },
        el("span", { text: "feed " + f.name }), el("span", { class: "state-" + f.state, text: what })));
    }
    if (s.watch) {
      const w = s.watch;
      let what = w.state === "retrying" ? "retrying (Kafka refused a file)" : "ok";
      what += " · " + fmtNum(w.done) + " done, " + fmtNum(w.failed) + " failed";
      const li = el("li", { class: "watch", "data-state": w.state },
        el("span", { title: (info && info.watch) || "", text: "watched directory" }),
        el("span", { class: "state-" + (w.state === "retrying" ? "retrying" : (w.failed > 0 ? "waiting" : "ok")), text: what }));
      ul.append(li);
      if (w.failed > 0 && info && info.watch) ul.append(el("li", { class: "muted small", text: "reasons in " + info.watch + "/failed/*.reason" }));
    }
    if (!ul.children.length) ul.append(el("li", { class: "muted small", text: "no feed or watched directory (push only)" }));
  }

  // refreshDeadLetters lists the newest dead letters and the replay command.
  async function refreshDeadLetters() {
    const root = $("dead-letters");
    try {
      const d = await api("/api/deadletters?limit=5");
      $("dead-count").textContent = d.total ? "(" + fmtNum(d.total) + ", " + fmtNum(d.pending) + " to replay)" : "";
      if (!d.total) {
        root.replaceChildren(el("p", { class: "muted small", text: "none" }));
        return;
      }
      const list = el("ol", {}, ...d.letters.map((l) => el("li", { class: "letter", "data-stage": l.stage },
        el("span", { class: "badge status-duplicate", text: l.stage }), " ",
        el("span", { text: l.error }),
        el("div", { class: "muted small", text: "key " + l.key + " · " + fmtDate(l.time) + (l.replayed ? " · replayed" : "") + (l.replays ? " · " + l.replays + " replay(s) before" : "") }))));
      const children = [list];
      if (d.pending) children.push(el("p", { class: "small" }, "Fix the cause, then replay: ", el("code", { id: "replay-command", text: d.replay })));
      root.replaceChildren(...children);
    } catch (e) {
      root.replaceChildren(el("p", { class: "muted small", text: "unavailable: " + e.message }));
    }
  }

  // ---- wiring ------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const target = "#search?" + formParams().toString();
      if (location.hash === target) route();
      else { loading(); location.hash = target; }
    });
    $("clear").addEventListener("click", () => {
      for (const f of fields) $(f).value = "";
      if (location.hash === "#search?") route();
      else { loading(); location.hash = "#search?"; }
    });
    document.addEventListener("click", (ev) => {
      // A link to another view: its answer is awaited from now on.
      const a = ev.target.closest && ev.target.closest("a[href^='#']");
      if (a && a.getAttribute("href") !== location.hash) loading();
    });
    for (const id of ["source", "kind", "unit", "sort"]) {
      $(id).addEventListener("change", () => $("search-form").requestSubmit());
    }
    $("day").addEventListener("change", () => {
      const d = $("day").value;
      $("from").value = d;
      $("to").value = d;
      $("search-form").requestSubmit();
    });
    window.addEventListener("hashchange", route);
    loadInfo().finally(() => {
      route();
      refreshStats();
      refreshDeadLetters();
    });
    setInterval(() => { refreshStats(); refreshDeadLetters(); }, 2000);
  });
})();
