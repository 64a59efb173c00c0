// The live page: renders the JSON API, and refreshes when /events says the store changed.
// Plain browser JavaScript, no build step, nothing loaded from elsewhere.
// Text from the store (names, messages, URLs) only ever goes in via textContent and
// checked href attributes, never as HTML.
"use strict";

(function () {
  const POLL_MS = 5000;          // the fallback when Server-Sent Events do not work
  const MIN_REFRESH_MS = 2000;   // a busy night changes the store every second; tables need not
  const PAGE = 200;              // precinct rows shown before "Show more"

  const STATUS_LABELS = {
    match: "match",
    mismatch: "mismatch",
    social_only: "posted, not released",
    official_only: "released, not posted",
    unresolved: "sources disagree",
  };
  const ROUND_LABELS = { first: "first alignment", final: "final alignment", delegates: "county delegates", sde: "SDE" };

  const page = {
    version: null, timeZone: "America/Chicago", shown: PAGE, seen: null,
    refreshing: false, pending: false, lastRefresh: 0, pollTimer: null, summary: null,
  };

  // -- small helpers ---------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function isWebUrl(u) {
    return typeof u === "string" && /^https?:\/\//i.test(u);
  }

  function fmtInt(v) {
    return v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US");
  }

  function fmtSde(v, digits) {
    if (v === null || v === undefined) return "–";
    return Number(v).toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });
  }

  function fmtPct(v) {
    return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%";
  }

  // Caucus times in the election's zone (what the night's posts and releases mean).
  function fmtTime(iso, withDay) {
    if (!iso) return "–";
    const opts = { hour: "numeric", minute: "2-digit", timeZone: page.timeZone, timeZoneName: "short" };
    if (withDay) Object.assign(opts, { day: "numeric", month: "short" });
    try {
      return new Intl.DateTimeFormat("en-US", opts).format(new Date(iso));
    } catch (e) {
      return iso;
    }
  }

  // When ShadowTally noticed something: the reader's own clock.
  function localTime(iso) {
    if (!iso) return "–";
    const d = new Date(iso);
    const today = new Date().toDateString() === d.toDateString();
    return today ? d.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" })
                 : d.toLocaleString("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  }

  function clockTime(iso) {
    return iso ? new Date(iso).toLocaleTimeString("en-US", { hour12: false }) : "–";
  }

  // A number linked to what said it. `cite` is {value, urls, derived, href?, sum_of?}.
  function cited(cite, text) {
    const shown = text === undefined ? String(cite.value) : text;
    const urls = (cite.urls || []).filter(isWebUrl);
    const cls = "num" + (cite.derived ? " derived" : "");
    if (urls.length) {
      const title = (cite.derived ? "Derived by the caucus math from " : "Said by ") +
        (urls.length > 1 ? urls.length + " posts; this link opens the first" : urls[0]);
      const parts = [el("a", { class: cls, href: urls[0], target: "_blank", rel: "noopener noreferrer", title }, shown)];
      urls.slice(1, 4).forEach((u, i) => parts.push(
        el("a", { class: "more-src", href: u, target: "_blank", rel: "noopener noreferrer",
                  title: "Also said by " + u, "aria-label": "source " + (i + 2) }, String(i + 2))));
      if (urls.length > 4) parts.push(el("span", { class: "more-src" }, "+" + (urls.length - 4)));
      return el("span", { class: "cited" }, parts);
    }
    if (cite.href && cite.href.startsWith("#")) {
      const title = "Sum of " + (cite.sum_of || 0) + " precincts; each links to its post in the precinct table";
      return el("a", { class: cls, href: cite.href, title }, shown);
    }
    // Nothing said it (a release stored without a URL): shown, but marked unsourced.
    return el("span", { class: cls + " unsourced", title: "No source URL stored for this number" }, shown);
  }

  // One round of one precinct: "Sanders 111, Warren 82", each number linked.
  function countsCell(name, round, digits) {
    if (!round || !round.values.length) return el("td", { class: "muted", "data-round": name }, "–");
    const items = round.values.map(([cand, value]) => el("li", { "data-candidate": cand }, cand + " ",
      cited({ value, urls: round.urls, derived: round.derived },
            digits ? fmtSde(value, digits) : fmtInt(value))));
    return el("td", { "data-round": name }, el("ul", { class: "counts" }, items));
  }

  function emptyRow(tbody, cols, text) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: cols, class: "empty" }, text)));
  }

  // Source links labelled by site ("x.com", "x.com 2", "bsky.app"); the release by its label.
  function sourceLinks(urls, release) {
    const web = (urls || []).filter(isWebUrl);
    if (!web.length && !release) return el("span", { class: "muted" }, "–");
    const perHost = new Map();
    const links = web.slice(0, 6).map((u) => {
      let host = "link";
      try {
        host = new URL(u).hostname.replace(/^www\./, "");
      } catch (e) { /* keep "link" */ }
      const n = (perHost.get(host) || 0) + 1;
      perHost.set(host, n);
      return el("a", { href: u, target: "_blank", rel: "noopener noreferrer", title: u }, host + (n > 1 ? " " + n : ""));
    });
    const rel = release && (release.urls || []).filter(isWebUrl)[0];
    return el("span", { class: "sources" }, links,
      web.length > 6 ? el("span", { class: "muted" }, "+" + (web.length - 6) + " ") : null,
      rel ? el("a", { href: rel, target: "_blank", rel: "noopener noreferrer", title: rel }, "release " + release.label) : null);
  }

  // -- status line and alerts -------------------------------------------------------

  function setMode(mode) {
    $("live").dataset.mode = mode;
    renderLive();
  }

  function renderLive() {
    const mode = $("live").dataset.mode;
    const s = page.summary;
    const when = s ? "updated " + clockTime(s.updated_at) : "no data yet";
    const words = {
      connecting: "Connecting…",
      live: "Live · " + when,
      polling: "Checking every " + POLL_MS / 1000 + " s · " + when,
      offline: "Server unreachable, retrying · last " + when,
      waiting: "Connected · waiting for the store",
    };
    $("live-text").textContent = words[mode] || when;
    if (s) $("live").title = "Store version " + s.version + "; server time " + s.updated_at;
  }

  // `commands` in a hint are shown as code, the words around them as words.
  function withCode(text) {
    return String(text).split("`").map((part, i) => (i % 2 ? el("code", {}, part) : part));
  }

  function showAlert(body) {
    const box = $("alert");
    box.replaceChildren(
      el("strong", {}, "Nothing to show yet: "), body.error || "the store cannot be read",
      body.hint ? el("span", { class: "hint" }, "Next step: ", withCode(body.hint), ".") : null);
    box.hidden = false;
  }

  function hideAlert() {
    $("alert").hidden = true;
  }

  // -- renderers ---------------------------------------------------------------------

  function renderSummary(s) {
    page.summary = s;
    page.timeZone = s.election.timezone || page.timeZone;
    document.title = "ShadowTally: " + s.election.name + " (live)";
    $("title").textContent = s.election.name + ": live shadow tally";
    const cov = s.coverage;
    $("c-posted").textContent = fmtInt(cov.precincts_posted);
    $("c-units").textContent = fmtInt(s.election.units);
    $("c-share").textContent = fmtPct(cov.sde_share);
    const rel = s.release;
    if (rel) {
      $("c-release").replaceChildren(cited({ value: rel.label, urls: rel.urls }, rel.label));
      $("c-release-when").textContent = "latest official release, published " + fmtTime(rel.published_at, true);
      $("c-mismatch").textContent = fmtInt(rel.counts.mismatch);
      $("c-gaps").textContent = fmtInt(rel.counts.social_only);
    } else {
      $("c-release").textContent = "none yet";
      $("c-release-when").textContent = "no official release stored yet";
      $("c-mismatch").textContent = "–";
      $("c-gaps").textContent = "–";
    }
    renderStatewide(s);
    renderFilterOptions(s);
    renderStatusCounts(s);
    renderLive();
  }

  function renderStatewide(s) {
    const tbody = $("statewide-table").querySelector("tbody");
    if (!s.statewide.length) return emptyRow(tbody, 7, "No numbers yet: no accepted post and no release.");
    tbody.replaceChildren(...s.statewide.map((r) => {
      const off = r.official;
      const share = (v) => el("span", { class: "share" }, fmtPct(v));
      return el("tr", { "data-candidate": r.candidate },
        el("th", { scope: "row" }, r.name),
        el("td", { class: "n", "data-field": "shadow-sde" }, cited(r.shadow.sde, fmtSde(r.shadow.sde.value, 3)), " ",
           share(r.shadow_sde_share)),
        el("td", { class: "n", "data-field": "official-sde" },
           off ? [cited(off.sde, fmtSde(off.sde.value, 3)), " ", share(r.official_sde_share)] : "–"),
        el("td", { class: "n", "data-field": "shadow-first" }, cited(r.shadow.first, fmtInt(r.shadow.first.value))),
        el("td", { class: "n", "data-field": "official-first" }, off ? cited(off.first, fmtInt(off.first.value)) : "–"),
        el("td", { class: "n", "data-field": "shadow-final" }, cited(r.shadow.final, fmtInt(r.shadow.final.value))),
        el("td", { class: "n", "data-field": "official-final" }, off ? cited(off.final, fmtInt(off.final.value)) : "–"));
    }));
  }

  function renderFilterOptions(s) {
    const status = $("f-status");
    if (status.options.length === 1) {
      for (const st of s.statuses) status.append(el("option", { value: st }, STATUS_LABELS[st] || st));
      const county = $("f-county");
      for (const c of s.election.counties) county.append(el("option", { value: c }, c));
      const want = new URLSearchParams(location.search);
      status.value = want.get("status") || "";
      county.value = want.get("county") || "";
      // A value the select does not know (a hand-edited URL) is still sent, so the server can say why.
      page.badParams = (want.get("status") && status.value !== want.get("status")) ||
                       (want.get("county") && county.value !== want.get("county"));
    }
  }

  function renderStatusCounts(s) {
    const box = $("status-counts");
    if (!s.release) return box.replaceChildren(el("span", { class: "muted" }, "No release to reconcile with yet."));
    box.replaceChildren(...s.statuses.map((st) => el("button", {
      type: "button", class: "badge s-" + st, "data-status": st,
      "aria-pressed": $("f-status").value === st ? "true" : "false",
      title: "Show only: " + (STATUS_LABELS[st] || st),
    }, (STATUS_LABELS[st] || st) + " " + fmtInt(s.release.counts[st]))));
  }

  // One row per precinct and round, the candidates listed side by side: posts vs release.
  function renderDiscrepancies(data) {
    const tbody = $("discrepancies-table").querySelector("tbody");
    const groups = new Map();
    for (const r of data.rows) {
      const key = r.county + "|" + r.precinct + "|" + r.field;
      if (!groups.has(key)) groups.set(key, { county: r.county, precinct: r.precinct, field: r.field, items: [] });
      groups.get(key).items.push(r);
    }
    // What a post said outright first; differences in derived numbers follow from those.
    const list = [...groups.values()].sort((a, b) =>
      (a.items[0].shadow.derived - b.items[0].shadow.derived) ||
      a.county.localeCompare(b.county) || a.precinct.localeCompare(b.precinct));
    const units = new Set(list.map((g) => g.county + "|" + g.precinct)).size;
    $("discrepancies-caption").textContent = data.release
      ? list.length + " rounds in " + units + " precincts where the posts and release " + data.release +
        " disagree, posted numbers first; italic numbers were derived by the caucus math."
      : "No official release stored yet, so nothing to compare.";
    if (!list.length) return emptyRow(tbody, 5, data.release ? "None: every compared field agrees." : "–");
    const show = (field, value) => value === null ? "none" : (field === "sde" ? fmtSde(value, 4) : fmtInt(value));
    tbody.replaceChildren(...list.map((g) => el("tr", { "data-precinct": g.precinct, "data-field": g.field },
      el("td", {}, g.county), el("th", { scope: "row" }, g.precinct),
      el("td", { class: "round" }, ROUND_LABELS[g.field] || g.field),
      el("td", { "data-side": "posts" }, el("ul", { class: "counts" }, g.items.map((r) =>
        el("li", { "data-candidate": r.candidate }, r.candidate + " ", cited(r.shadow, show(r.field, r.shadow.value)))))),
      el("td", { "data-side": "release" }, el("ul", { class: "counts" }, g.items.map((r) =>
        el("li", { "data-candidate": r.candidate }, r.candidate + " ",
           cited(r.official, show(r.field, r.official.value)))))))));
  }

  function renderGaps(data) {
    const tbody = $("gaps-table").querySelector("tbody");
    $("gaps-caption").textContent = data.release
      ? "Precincts posted publicly but missing from release " + data.release +
        "; hours from the first post to the release (it links to that post)."
      : "No official release stored yet, so no gap can be measured.";
    if (!data.rows.length) return emptyRow(tbody, 5, data.release ? "None: the release has every posted precinct." : "–");
    tbody.replaceChildren(...data.rows.map((r) => el("tr", { "data-precinct": r.precinct },
      el("td", {}, r.county), el("th", { scope: "row" }, r.precinct),
      el("td", { class: "when" }, fmtTime(r.first_posted_at, true)),
      el("td", { class: "n" }, cited(r.hours_missing, fmtSde(r.hours_missing.value, 1) + " h")),
      el("td", {}, sourceLinks(r.urls)))));
  }

  function renderPrecincts(data) {
    const tbody = $("precincts-table").querySelector("tbody");
    const what = [data.status ? STATUS_LABELS[data.status] || data.status : null, data.county].filter(Boolean);
    $("precincts-caption").textContent = fmtInt(data.count) + " units" +
      (what.length ? " (" + what.join(", ") + ")" : "") + ", newest post first" +
      (data.release ? "; status against release " + data.release : "") + ".";
    // Rows not on screen before are flashed, so a new precinct catches the eye.
    const before = page.seen;
    page.seen = new Set(data.rows.map((r) => r.county + "|" + r.precinct));
    if (!data.rows.length) {
      $("more").hidden = true;
      return emptyRow(tbody, 7, "No units match these filters.");
    }
    const rows = data.rows.map((r) => {
      const key = r.county + "|" + r.precinct;
      const fresh = before && !before.has(key);
      const status = r.status || "none";
      return el("tr", { class: fresh ? "fresh" : null, "data-precinct": r.precinct, "data-status": status },
        el("td", {}, el("span", { class: "badge s-" + status }, STATUS_LABELS[r.status] || "no release yet")),
        el("th", { scope: "row" }, r.precinct,
           r.conflicts.length ? el("span", { class: "flag", title: "Posts disagree on: " + r.conflicts.join(", ") }, " ⚠") : null,
           el("span", { class: "county" }, r.county)),
        el("td", { class: "when" }, r.first_posted_at
          ? cited({ value: r.first_posted_at, urls: r.urls.slice(0, 1) }, fmtTime(r.first_posted_at, true))
          : el("span", { class: "muted" }, "not posted")),
        countsCell("first", r.shadow.first), countsCell("final", r.shadow.final), countsCell("sde", r.shadow.sde, 4),
        // Official values all cite the release, named once per response.
        countsCell("official-sde", r.official ? { values: r.official.sde, urls: data.release_urls, derived: false } : null, 4));
    });
    tbody.replaceChildren(...rows);
    const more = $("more");
    more.hidden = data.count <= data.rows.length;
    more.textContent = "Show " + fmtInt(Math.min(PAGE, data.count - data.rows.length)) + " more (" +
      fmtInt(data.rows.length) + " of " + fmtInt(data.count) + " shown)";
  }

  function renderFindings(data) {
    const tbody = $("findings-table").querySelector("tbody");
    if (!data.rows.length) return emptyRow(tbody, 5, "No open findings recorded.");
    tbody.replaceChildren(...data.rows.map((f) => el("tr", {},
      el("td", { class: "when" }, localTime(f.last_seen)),
      el("td", {}, el("span", { class: "badge sev-" + f.severity }, f.severity)),
      el("td", {}, [f.county, f.precinct].filter(Boolean).join(" / ") || "statewide"),
      el("td", {}, f.message, el("span", { class: "rule-id" }, " (" + f.rule + ")")),
      el("td", {}, sourceLinks(f.urls, f.release ? { label: f.release, urls: f.release_urls } : null)))));
  }

  // -- fetching ---------------------------------------------------------------------

  async function getJSON(url) {
    const resp = await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } });
    const body = await resp.json().catch(() => ({ error: "HTTP " + resp.status }));
    return { ok: resp.ok, status: resp.status, body };
  }

  function precinctQuery() {
    const q = new URLSearchParams();
    const want = new URLSearchParams(location.search);
    const status = page.badParams ? want.get("status") || "" : $("f-status").value;
    const county = page.badParams ? want.get("county") || "" : $("f-county").value;
    if (status) q.set("status", status);
    if (county) q.set("county", county);
    return q.toString();
  }

  async function refreshPrecincts() {
    // Only the rows on screen travel: a whole night is a megabyte, refreshed every few seconds.
    const q = new URLSearchParams(precinctQuery());
    q.set("limit", page.shown);
    const r = await getJSON("/api/precincts?" + q.toString());
    const box = $("precincts-error");
    if (r.ok) {
      box.hidden = true;
      renderPrecincts(r.body);
    } else if (r.status === 400) {
      box.replaceChildren(el("strong", {}, "Filter not understood: "), r.body.error || "",
        r.body.hint ? " (" + r.body.hint + ")" : "");
      box.hidden = false;
    }
  }

  async function refreshTables() {
    if (page.refreshing) {
      page.pending = true;
      return;
    }
    page.refreshing = true;
    page.lastRefresh = Date.now();
    try {
      const [d, g, f] = await Promise.all([
        getJSON("/api/discrepancies"), getJSON("/api/gaps"), getJSON("/api/findings?limit=50"), refreshPrecincts()]);
      if (d.ok) renderDiscrepancies(d.body);
      if (g.ok) renderGaps(g.body);
      if (f.ok) renderFindings(f.body);
    } catch (e) {
      setMode("offline");
    } finally {
      page.refreshing = false;
      if (page.pending) {
        page.pending = false;
        scheduleTables();
      }
    }
  }

  function scheduleTables() {
    const wait = Math.max(0, page.lastRefresh + MIN_REFRESH_MS - Date.now());
    clearTimeout(page.tableTimer);
    page.tableTimer = setTimeout(refreshTables, wait);
  }

  function onSummary(s) {
    hideAlert();
    renderSummary(s);
    if (s.version !== page.version) {
      page.version = s.version;
      scheduleTables();
    }
  }

  function onUnavailable(body) {
    page.version = null;
    showAlert(body);
  }

  // -- live updates: Server-Sent Events, polling as the fallback --------------------

  async function poll() {
    try {
      const r = await getJSON("/api/summary");
      if ($("live").dataset.mode === "offline" || $("live").dataset.mode === "connecting") setMode("polling");
      if (r.ok) onSummary(r.body);
      else if (r.status === 503) onUnavailable(r.body);
      if (!page.summary && r.status === 503) setMode("waiting");
      else if ($("live").dataset.mode === "waiting") setMode("polling");
    } catch (e) {
      setMode("offline");
    }
  }

  function startPolling() {
    if (page.pollTimer) return;
    setMode("polling");
    poll();
    page.pollTimer = setInterval(poll, POLL_MS);
  }

  function connect() {
    if (!("EventSource" in window)) return startPolling();
    let failures = 0;
    const source = new EventSource("/events");
    source.addEventListener("open", () => {
      failures = 0;
    });
    source.addEventListener("summary", (e) => {
      setMode("live");
      onSummary(JSON.parse(e.data));
    });
    source.addEventListener("unavailable", (e) => {
      setMode("waiting");
      onUnavailable(JSON.parse(e.data));
    });
    source.addEventListener("error", () => {
      failures += 1;
      // EventSource retries by itself; after a few failures (a proxy that buffers the
      // stream, say) fall back to asking every few seconds.
      if (source.readyState === EventSource.CLOSED || failures >= 3) {
        source.close();
        startPolling();
      } else {
        setMode("offline");
      }
    });
  }

  // -- filters ------------------------------------------------------------------------

  function applyFilters() {
    page.badParams = false;
    page.shown = PAGE;
    page.seen = null; // a new filter is not news: do not flash every row
    const q = precinctQuery();
    history.replaceState(null, "", q ? "?" + q + location.hash : location.pathname + location.hash);
    if (page.summary) renderStatusCounts(page.summary);
    refreshPrecincts();
  }

  function init() {
    $("filters").addEventListener("change", applyFilters);
    $("filters").addEventListener("submit", (e) => e.preventDefault());
    $("status-counts").addEventListener("click", (e) => {
      const btn = e.target.closest("button[data-status]");
      if (!btn) return;
      const select = $("f-status");
      select.value = select.value === btn.dataset.status ? "" : btn.dataset.status;
      applyFilters();
    });
    $("more").addEventListener("click", () => {
      page.shown += PAGE;
      refreshPrecincts();
    });
    connect();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
