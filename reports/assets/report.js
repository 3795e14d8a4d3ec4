// assessor report: renders the findings and assets tables from the page's JSON block.
// Every value from the estate is written with textContent, never parsed as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var SEV = data.severities;
  var PAGE = 100;
  var PRINT_LIMIT = 5000;
  var rules = data.rules;
  var strings = data.strings, places = data.places, evidenceTable = data.evidence;
  function str(i) { return i >= 0 ? strings[i] : null; }
  // Assets arrive as positional rows with repeated values interned (see page_data in html.py):
  // [id, name, provider, service, kind, account, region, place, class, custody, keyRegion,
  //  publicBlocked, vendor, tags, attributes, score, flows]
  function placeOf(i) {
    var p = places[i];
    return { known: p[0], country: p[1], place: p[2], jurisdictions: p[3], operator: p[4] };
  }
  var assets = data.assets.map(function (row) {
    var where = placeOf(row[7]);
    return {
      id: row[0], name: row[1], provider: str(row[2]), service: str(row[3]), kind: str(row[4]),
      account: str(row[5]), region: str(row[6]), known: where.known, country: where.country,
      place: where.place, jurisdictions: where.jurisdictions, operator: where.operator,
      classification: str(row[8]), custody: str(row[9]), keyRegion: str(row[10]),
      publicBlocked: row[11] < 0 ? null : row[11] === 1, vendor: str(row[12]),
      tags: row[13] || {}, attributes: row[14] || {}, score: row[15],
      flows: (row[16] || []).map(function (flow) {
        return { kind: str(flow[0]), target: flow[1], place: placeOf(flow[2]).place };
      })
    };
  });
  // Risks (one fact about one asset): [asset, phrase, severity, status, estate line]
  var risks = data.risks.map(function (row) {
    return { asset: row[0], phrase: str(row[1]), severity: row[2], status: row[3], estate: row[4] };
  });
  // Findings: [asset, rule, severity, waived, message, evidence, risk, reason, owner, expires]
  var findings = data.findings;
  findings.forEach(function (f) { f[5] = evidenceTable[f[5]]; });
  var A = 0, R = 1, S = 2, W = 3, M = 4, E = 5, K = 6;
  var STATUS = ["open", "waived", "baselined"];
  function riskOf(f) { return risks[f[K]] || null; }

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function badge(severity) { return el("span", severity, "badge sev-" + severity); }
  function assetOf(f) { return assets[f[A]] || { name: "?", id: "?", provider: "?", account: "?", country: "?" }; }
  function ruleOf(f) { return rules[f[R]] || { id: "?", pack: "?", title: "?" }; }

  var byAsset = assets.map(function () { return []; });
  findings.forEach(function (f, i) { if (f[A] >= 0) { byAsset[f[A]].push(i); } });

  // --- filters ------------------------------------------------------------------------------
  function fill(select, values, label) {
    values.forEach(function (value) {
      var option = el("option", label ? label(value) : value);
      option.value = value;
      select.appendChild(option);
    });
  }
  function distinct(get) {
    var seen = {};
    findings.forEach(function (f) { seen[get(f)] = true; });
    return Object.keys(seen).sort();
  }
  fill($("f-severity"), SEV.slice().reverse());
  fill($("f-provider"), distinct(function (f) { return assetOf(f).provider; }));
  fill($("f-pack"), distinct(function (f) { return ruleOf(f).pack; }));
  fill($("f-rule"), distinct(function (f) { return ruleOf(f).id; }), function (id) {
    var rule = rules.filter(function (r) { return r.id === id; })[0];
    return rule ? id + " " + rule.title : id;
  });
  fill($("f-country"), distinct(function (f) { return assetOf(f).country; }));
  fill($("f-account"), distinct(function (f) { return assetOf(f).account; }));
  fill($("f-risk"), data.estate.map(function (_, i) { return String(i); }), function (i) { return data.estate[Number(i)]; });

  var searchText = null;
  function haystack(i) {
    if (searchText === null) {
      searchText = findings.map(function (f) {
        var a = assetOf(f), r = ruleOf(f), parts = [f[M], a.name, a.id, r.id, r.title, a.region || ""];
        for (var key in f[E]) { parts.push(key, f[E][key]); }
        return parts.join("\u0001").toLowerCase();
      });
    }
    return searchText[i];
  }

  var state = { sort: "severity", desc: true, page: 0, view: [] };

  function sortKey(i) {
    var f = findings[i];
    switch (state.sort) {
      case "rule": return ruleOf(f).id;
      case "asset": return assetOf(f).name;
      case "country": return assetOf(f).country;
      default: return f[S];
    }
  }

  function apply() {
    var severity = $("f-severity").value, provider = $("f-provider").value;
    var pack = $("f-pack").value, rule = $("f-rule").value, country = $("f-country").value;
    var account = $("f-account").value, status = $("f-status").value;
    var estate = $("f-risk").value === "" ? null : Number($("f-risk").value);
    var query = $("f-search").value.trim().toLowerCase();
    var view = [];
    for (var i = 0; i < findings.length; i++) {
      var f = findings[i], a = assetOf(f), r = ruleOf(f);
      if (severity && SEV[f[S]] !== severity) { continue; }
      if (provider && a.provider !== provider) { continue; }
      if (pack && r.pack !== pack) { continue; }
      if (rule && r.id !== rule) { continue; }
      if (country && a.country !== country) { continue; }
      if (account && a.account !== account) { continue; }
      if (status && STATUS[f[W]] !== status) { continue; }
      if (estate !== null && (!riskOf(f) || riskOf(f).estate !== estate)) { continue; }
      if (query && haystack(i).indexOf(query) < 0) { continue; }
      view.push(i);
    }
    var group = $("f-group").value;
    var direction = state.desc ? -1 : 1;
    // Each row's group and sort keys computed once, not in every comparison.
    var groups = {}, keys = {};
    view.forEach(function (i) {
      if (group) { groups[i] = groupOrder(i, group); }
      keys[i] = sortKey(i);
    });
    view.sort(function (x, y) {
      if (group) {
        var gx = groups[x], gy = groups[y];
        if (gx !== gy) { return gx < gy ? -1 : 1; }
      }
      var kx = keys[x], ky = keys[y];
      if (kx !== ky) { return (kx < ky ? -1 : 1) * direction; }
      return x - y;
    });
    state.view = view;
    state.page = 0;
    renderFindings();
  }

  // A group's heading, and the order groups come in: risks worst first, the rest by name.
  function groupKey(i, group) {
    var f = findings[i], risk = riskOf(f);
    if (group === "risk") { return assetOf(f).name + ": " + (risk ? risk.phrase : ruleOf(f).title); }
    if (group === "rule") { return ruleOf(f).id + " " + ruleOf(f).title; }
    if (group === "pack") { return ruleOf(f).pack; }
    return assetOf(f).name + " (" + assetOf(f).id + ")";
  }
  function groupOrder(i, group) {
    var f = findings[i], risk = riskOf(f);
    if (group !== "risk") { return groupKey(i, group); }
    var rank = risk ? risk.severity : f[S];
    return String(9 - rank) + (risk && risk.status ? "1" : "0") + groupKey(i, group) + "\u0001" + f[K];
  }

  function evidenceList(evidence) {
    var dl = el("dl", null, "evidence");
    Object.keys(evidence).forEach(function (key) {
      dl.appendChild(el("dt", key));
      dl.appendChild(el("dd", evidence[key]));
    });
    return dl;
  }

  function assetLink(index, text) {
    var button = el("button", text, "link asset-name");
    button.type = "button";
    button.setAttribute("data-asset", String(index));
    return button;
  }

  function findingRow(i) {
    var f = findings[i], a = assetOf(f), r = ruleOf(f);
    var tr = el("tr", null, "finding" + (f[W] ? " " + STATUS[f[W]] : ""));
    tr.setAttribute("data-severity", SEV[f[S]]);
    var sev = el("td"); sev.appendChild(badge(SEV[f[S]]));
    if (f[W]) { sev.appendChild(el("span", STATUS[f[W]], "badge waived")); }
    tr.appendChild(sev);
    var ruleCell = el("td");
    var link = el("a", r.id); link.href = "#rule-" + r.id;
    ruleCell.appendChild(link); ruleCell.appendChild(el("br")); ruleCell.appendChild(el("span", r.pack, "muted"));
    tr.appendChild(ruleCell);
    var assetCell = el("td");
    assetCell.appendChild(assetLink(f[A], a.name));
    assetCell.appendChild(el("br"));
    assetCell.appendChild(el("span", a.provider + " · " + a.account + " · " + (a.region || "?"), "muted"));
    tr.appendChild(assetCell);
    tr.appendChild(el("td", a.country));
    var message = el("td", f[M]);
    if (f[W] === 1) { message.appendChild(el("div", "Waived by " + f[8] + " until " + f[9] + ": " + f[7], "muted")); }
    if (f[W] === 2) { message.appendChild(el("div", "In the baseline: known before this change", "muted")); }
    tr.appendChild(message);
    var evidence = el("td"); evidence.appendChild(evidenceList(f[E])); tr.appendChild(evidence);
    return tr;
  }

  function renderFindings(limit) {
    var body = $("f-rows"), view = state.view;
    var start = limit ? 0 : state.page * PAGE;
    var end = Math.min(view.length, limit ? limit : start + PAGE);
    var group = $("f-group").value, lastGroup = null;
    var fragment = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      if (group) {
        var key = groupKey(view[k], group);
        if (key !== lastGroup) {
          var header = el("tr", null, "group");
          var cell = el("td", key); cell.colSpan = 6; header.appendChild(cell);
          fragment.appendChild(header);
          lastGroup = key;
        }
      }
      fragment.appendChild(findingRow(view[k]));
    }
    body.textContent = "";
    body.appendChild(fragment);
    $("f-count").textContent = view.length + " of " + findings.length + " findings" +
      (view.length > PAGE && !limit ? " · showing " + (start + 1) + "–" + end : "");
    pager($("f-pager"), view.length, state.page, function (page) { state.page = page; renderFindings(); });
  }

  function pager(container, total, page, go) {
    container.textContent = "";
    var pages = Math.ceil(total / PAGE);
    if (pages <= 1) { return; }
    var previous = el("button", "‹ Previous"); previous.type = "button"; previous.disabled = page === 0;
    previous.addEventListener("click", function () { go(page - 1); });
    var next = el("button", "Next ›"); next.type = "button"; next.disabled = page >= pages - 1;
    next.addEventListener("click", function () { go(page + 1); });
    container.appendChild(previous);
    container.appendChild(el("span", " page " + (page + 1) + " of " + pages + " "));
    container.appendChild(next);
  }

  ["f-severity", "f-provider", "f-pack", "f-rule", "f-country", "f-account", "f-status", "f-risk", "f-group"].forEach(function (id) {
    $(id).addEventListener("change", apply);
  });
  // An estate-level line on the first screen shows the findings behind it.
  Array.prototype.forEach.call(document.querySelectorAll("a.estate-link"), function (link) {
    link.addEventListener("click", function () {
      $("f-risk").value = link.getAttribute("data-estate");
      $("f-group").value = "risk";
      apply();
    });
  });
  var typing = null;
  $("f-search").addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(apply, 120);
  });
  Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (th) {
    function sortBy() {
      var key = th.getAttribute("data-sort");
      state.desc = state.sort === key ? !state.desc : key === "severity";
      state.sort = key;
      apply();
    }
    th.addEventListener("click", sortBy);
    th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sortBy(); } });
  });

  // --- assets -------------------------------------------------------------------------------
  var assetState = { page: 0, view: assets.map(function (_, i) { return i; }) };
  function renderAssets() {
    var body = $("a-rows"), view = assetState.view;
    var start = assetState.page * PAGE, end = Math.min(view.length, start + PAGE);
    var fragment = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var i = view[k], a = assets[i], tr = el("tr");
      var name = el("td"); name.appendChild(assetLink(i, a.name)); tr.appendChild(name);
      tr.appendChild(el("td", a.provider + " / " + a.service + " " + a.kind));
      tr.appendChild(el("td", a.account));
      tr.appendChild(el("td", a.region || ""));
      var place = el("td", a.place);
      if (a.operator) { place.appendChild(el("div", "operated by " + a.operator, "muted")); }
      if (!a.known) { place.textContent = ""; place.appendChild(el("span", "unknown location", "badge unknown")); }
      tr.appendChild(place);
      tr.appendChild(el("td", a.classification || ""));
      tr.appendChild(el("td", (a.custody || "") + (a.keyRegion ? " (key in " + a.keyRegion + ")" : "")));
      tr.appendChild(el("td", a.flows.map(function (flow) { return flow.kind + " → " + flow.place; }).join("; ")));
      tr.appendChild(el("td", a.score ? a.score : ""));
      fragment.appendChild(tr);
    }
    body.textContent = "";
    body.appendChild(fragment);
    $("a-count").textContent = view.length + " of " + assets.length + " assets";
    pager($("a-pager"), view.length, assetState.page, function (page) { assetState.page = page; renderAssets(); });
  }
  $("a-search").addEventListener("input", function () {
    var query = this.value.trim().toLowerCase();
    assetState.view = [];
    assets.forEach(function (a, i) {
      var text = [a.name, a.id, a.account, a.region || "", a.place, a.classification || ""].join(" ").toLowerCase();
      if (!query || text.indexOf(query) >= 0) { assetState.view.push(i); }
    });
    assetState.page = 0;
    renderAssets();
  });

  // --- asset detail -------------------------------------------------------------------------
  function row(table, label, value) {
    if (value === null || value === undefined || value === "") { return; }
    var tr = el("tr"); tr.appendChild(el("th", label)); tr.appendChild(el("td", value)); table.appendChild(tr);
  }
  function openAsset(index) {
    var a = assets[index];
    if (!a) { return; }
    $("detail-title").textContent = a.name;
    var body = $("detail-body");
    body.textContent = "";
    var table = el("table", null, "compact");
    row(table, "Identity", a.id);
    row(table, "Provider", a.provider + " / " + a.service + " " + a.kind);
    row(table, "Account", a.account);
    row(table, "Region", a.region);
    row(table, "Location", a.place);
    row(table, "Jurisdictions", a.jurisdictions);
    row(table, "Local operator", a.operator);
    row(table, "Vendor", a.vendor);
    row(table, "Data class", a.classification);
    row(table, "Key custody", a.custody);
    row(table, "Key region", a.keyRegion);
    row(table, "Public access blocked", a.publicBlocked === null ? null : String(a.publicBlocked));
    row(table, "Risk score", a.score || null);
    Object.keys(a.attributes).forEach(function (key) { row(table, key, a.attributes[key]); });
    Object.keys(a.tags).forEach(function (key) { row(table, "tag " + key, a.tags[key]); });
    body.appendChild(table);
    if (a.flows.length) {
      body.appendChild(el("h3", "Where copies go"));
      var list = el("ul");
      a.flows.forEach(function (flow) { list.appendChild(el("li", flow.kind + " → " + flow.target + " (" + flow.place + ")")); });
      body.appendChild(list);
    }
    body.appendChild(el("h3", byAsset[index].length ? "Risks, and the policy lines each breaks" : "No findings"));
    // The asset's findings under the risk each belongs to, worst risk first.
    var groups = {}, order = [];
    byAsset[index].forEach(function (i) {
      var key = findings[i][K] >= 0 ? "r" + findings[i][K] : "f" + i;
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(i);
    });
    order.forEach(function (key) {
      var first = findings[groups[key][0]], risk = riskOf(first);
      var block = el("div", null, "detail-risk");
      block.appendChild(badge(SEV[risk ? risk.severity : first[S]]));
      if (risk && risk.status) { block.appendChild(el("span", STATUS[risk.status], "badge waived")); }
      block.appendChild(el("strong", " " + (risk ? risk.phrase : ruleOf(first).title)));
      groups[key].forEach(function (i) {
        var f = findings[i], r = ruleOf(f), item = el("div", null, "detail-finding");
        item.appendChild(badge(SEV[f[S]]));
        if (f[W]) { item.appendChild(el("span", STATUS[f[W]], "badge waived")); }
        item.appendChild(el("strong", " " + r.id + " " + r.title));
        item.appendChild(el("span", " " + r.pack, "muted"));
        item.appendChild(el("p", f[M]));
        item.appendChild(evidenceList(f[E]));
        block.appendChild(item);
      });
      body.appendChild(block);
    });
    $("detail").hidden = false;
    $("detail-close").focus();
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.getAttribute && target.getAttribute("data-asset") !== null) {
      openAsset(Number(target.getAttribute("data-asset")));
    } else if (target && target.id === "detail") {
      $("detail").hidden = true;
    }
  });
  $("detail-close").addEventListener("click", function () { $("detail").hidden = true; });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") { $("detail").hidden = true; } });

  // Printing shows every filtered finding (up to a limit), not just the current page.
  window.addEventListener("beforeprint", function () { renderFindings(PRINT_LIMIT); });
  window.addEventListener("afterprint", function () { renderFindings(); });

  apply();
  renderAssets();
  document.body.setAttribute("data-ready", "true");
})();
