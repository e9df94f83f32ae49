// semantic-glossary: autocomplete, lazily expanded trees, the neighbourhood picture.
// Vanilla JS, no libraries, nothing fetched from elsewhere.
(function () {
  "use strict";
  const base = document.body.dataset.publicBase || "";

  // The local URL of a concept: its own path under the public base, else /resource?uri=.
  function localUrl(uri) {
    if (base && uri.startsWith(base) && uri.indexOf("#") < 0 && uri.length > base.length) {
      return "/" + uri.slice(base.length);
    }
    return "/resource?uri=" + encodeURIComponent(uri);
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- autocomplete -----------------------------------------------------------------
  const input = document.getElementById("q");
  const list = document.getElementById("suggestions");
  if (input && list) {
    let items = [];
    let active = -1;
    let timer = null;
    let seq = 0;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      items = [];
      active = -1;
    }

    function highlight(i) {
      active = i;
      list.querySelectorAll("li").forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
      if (i >= 0) input.setAttribute("aria-activedescendant", "sugg-" + i);
    }

    function go(i) {
      if (i >= 0 && i < items.length) window.location.href = localUrl(items[i].uri);
    }

    function render(results) {
      list.replaceChildren();
      items = results;
      active = -1;
      if (!results.length) {
        list.appendChild(el("li", { class: "empty", role: "option", "aria-disabled": "true" }, "No match"));
      }
      results.forEach((r, i) => {
        const li = el("li", { id: "sugg-" + i, role: "option", "aria-selected": "false" });
        li.appendChild(el("span", { class: "pref" }, r.prefLabel || r.uri));
        if (r.matchedLabel && r.matchedLabel !== r.prefLabel) {
          const m = el("span", { class: "matched" }, r.matchedLabel);
          if (r.lang) m.appendChild(el("span", { class: "lang" }, r.lang));
          li.appendChild(m);
        } else if (r.lang) {
          li.appendChild(el("span", { class: "lang" }, r.lang));
        }
        if (r.vocab) li.appendChild(el("span", { class: "vocab" }, r.vocab));
        li.addEventListener("mousedown", (e) => { e.preventDefault(); go(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    async function suggest() {
      const q = input.value.trim();
      if (q.length < 2) { close(); return; }
      const mine = ++seq;
      try {
        const resp = await fetch("/api/search?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } });
        if (!resp.ok || mine !== seq) return;
        const data = await resp.json();
        if (mine === seq) render(data.results || []);
      } catch (err) {
        close();
      }
    }

    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); go(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  }

  // --- lazily expanded trees --------------------------------------------------------
  async function expand(li, button) {
    const open = button.getAttribute("aria-expanded") === "true";
    const sub = li.querySelector(":scope > ul");
    if (open) { button.setAttribute("aria-expanded", "false"); button.textContent = "▸"; if (sub) sub.hidden = true; return; }
    button.setAttribute("aria-expanded", "true");
    button.textContent = "▾";
    if (sub) { sub.hidden = false; return; }
    const tree = li.closest(".tree");
    const lang = tree.dataset.lang || "";
    const keep = lang && lang !== tree.dataset.defaultLang;
    const resp = await fetch("/api/children?uri=" + encodeURIComponent(li.dataset.uri) + "&lang=" + encodeURIComponent(lang));
    if (!resp.ok) return;
    const data = await resp.json();
    const ul = el("ul");
    for (const c of data.children) {
      const item = el("li", { "data-uri": c.uri });
      if (c.hasChildren) {
        item.className = "has-children";
        item.appendChild(el("button", { class: "toggle", "aria-expanded": "false", "aria-label": "Show narrower concepts of " + c.prefLabel }, "▸"));
      }
      const href = localUrl(c.uri);
      const withLang = keep ? href + (href.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(lang) : href;
      item.appendChild(el("a", { href: withLang }, c.prefLabel));
      ul.appendChild(item);
    }
    if (data.more) ul.appendChild(el("li", { class: "muted" }, "… " + data.more + " more"));
    li.appendChild(ul);
  }
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest(".tree button.toggle");
    if (button) expand(button.parentElement, button);
  });

  // --- the neighbourhood picture ----------------------------------------------------
  // Broader concepts in rows above, narrower in rows below, related in a column on the
  // left, mappings on the right: collision-free by construction, the height grows with
  // the number of neighbours.
  const holder = document.getElementById("graph");
  const dataEl = document.getElementById("graph-data");
  if (holder && dataEl) {
    const data = JSON.parse(dataEl.textContent);
    const NS = "http://www.w3.org/2000/svg";
    const W = 720, ROW = 40, PAD = 24, MAXC = 26;
    const groups = { broader: [], narrower: [], related: [], mapping: [] };
    let self = null;
    for (const n of data.nodes) {
      if (n.kind === "self") self = n; else (groups[n.kind] || groups.related).push(n);
      n.text = n.label.length > MAXC ? n.label.slice(0, MAXC - 1) + "…" : n.label;
      n.w = Math.max(64, n.text.length * 7.2 + 24);
    }
    // Rows of nodes that fit the width, centred.
    function rows(nodes) {
      const out = [];
      let row = [], width = 0;
      for (const n of nodes) {
        if (row.length && width + n.w + 12 > W - 2 * PAD) { out.push(row); row = []; width = 0; }
        row.push(n); width += n.w + 12;
      }
      if (row.length) out.push(row);
      return out;
    }
    function placeRows(rs, y0) {
      rs.forEach((row, r) => {
        const total = row.reduce((sum, n) => sum + n.w + 12, -12);
        let x = (W - total) / 2;
        for (const n of row) { n.x = x + n.w / 2; n.y = y0 + r * ROW; x += n.w + 12; }
      });
    }
    const top = rows(groups.broader), bottom = rows(groups.narrower);
    const side = Math.max(groups.related.length, groups.mapping.length);
    const topH = top.length * ROW, midH = Math.max(1, side) * ROW + 20, bottomH = bottom.length * ROW;
    const H = PAD + topH + (top.length ? 30 : 0) + midH + (bottom.length ? 30 : 0) + bottomH + PAD + 18;
    const cx = W / 2, cy = PAD + topH + (top.length ? 30 : 0) + midH / 2;
    placeRows(top, PAD + ROW / 2);
    placeRows(bottom, cy + midH / 2 + 30 + ROW / 2);
    function column(nodes, x) {
      nodes.forEach((n, i) => { n.x = x; n.y = cy + (i - (nodes.length - 1) / 2) * ROW; });
    }
    column(groups.related, PAD + 110);
    column(groups.mapping, W - PAD - 110);
    if (self) {
      self.x = cx; self.y = cy;
      self.text = self.label.length > 30 ? self.label.slice(0, 29) + "…" : self.label;
      self.w = Math.max(80, self.text.length * 7.8 + 28);
    }
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("class", "neighbourhood-svg");
    const byId = new Map(data.nodes.map((n) => [n.id, n]));
    for (const e of data.edges) {
      const a = byId.get(e.source), b = byId.get(e.target);
      if (!a || !b || b.x === undefined) continue;
      const line = document.createElementNS(NS, "line");
      line.setAttribute("x1", a.x); line.setAttribute("y1", a.y);
      line.setAttribute("x2", b.x); line.setAttribute("y2", b.y);
      line.setAttribute("class", "edge " + e.kind.split(":")[0]);
      svg.appendChild(line);
    }
    for (const n of data.nodes) {
      if (n.x === undefined) continue;
      const a = document.createElementNS(NS, "a");
      a.setAttribute("href", n.href);
      a.setAttribute("class", "node " + n.kind);
      const title = document.createElementNS(NS, "title");
      title.textContent = n.label + (n.kind === "self" ? "" : " (" + n.kind + ")");
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", n.x - n.w / 2); rect.setAttribute("y", n.y - 14);
      rect.setAttribute("width", n.w); rect.setAttribute("height", 28);
      rect.setAttribute("rx", 14);
      const text = document.createElementNS(NS, "text");
      text.setAttribute("x", n.x); text.setAttribute("y", n.y + 4.5);
      text.setAttribute("text-anchor", "middle");
      text.textContent = n.text;
      a.append(title, rect, text);
      svg.appendChild(a);
    }
    let lx = 10;
    for (const kind of ["broader", "narrower", "related", "mapping"]) {
      if (!groups[kind].length) continue;
      const dot = document.createElementNS(NS, "circle");
      dot.setAttribute("cx", lx + 5); dot.setAttribute("cy", H - 12); dot.setAttribute("r", 5);
      dot.setAttribute("class", "swatch " + kind);
      const t = document.createElementNS(NS, "text");
      t.setAttribute("x", lx + 14); t.setAttribute("y", H - 8);
      t.setAttribute("class", "legend");
      t.textContent = kind;
      svg.append(dot, t);
      lx += 24 + kind.length * 7;
    }
    holder.appendChild(svg);
  }
})();
