/* kb's "verify an official channel" page: tells a reader, as they type, whether a link, e-mail
   address, phone number or account is one of the help center's official channels. It reads the
   JSON that kb_tools/verify.py embeds in the page (#kb-verify-data) and requests nothing.
   The rules are kb_tools/verify.py's (check, classify, _looks_like), line for line; tests ask both
   the same table of inputs (tests/verify_cases.py). window.kbVerify.check(text) is its API. */
(function () {
  "use strict";
  var SCHEME = /^[a-z][a-z0-9+.-]*:(\/\/)?/i;
  var EMAIL = /^[^\s@\/\\]+@[^\s@\/\\]+\.[^\s@\/\\]+$/;
  var PHONE = /^\+?[0-9\s().\-\/]+$/;
  var HANDLE = /^[A-Za-z0-9_.]+$/;
  var HOST = /^[^\s\/\\?#@:]+\.[^\s\/\\?#@:.]+$/;
  var node = document.getElementById("kb-verify-data");
  var tables = JSON.parse(node ? node.textContent : "{}");

  function platformOf(host) {
    for (var key in tables.platforms) {
      var hosts = tables.platforms[key].hosts;
      for (var i = 0; i < hosts.length; i++) {
        if (host === hosts[i] || endsWith(host, "." + hosts[i])) return key;
      }
    }
    return "";
  }

  function endsWith(text, tail) {
    return text.length >= tail.length && text.slice(text.length - tail.length) === tail;
  }

  function splitUrl(text) {
    var rest = text.trim().replace(SCHEME, "");
    if (rest.slice(0, 2) === "//") rest = rest.slice(2);
    var authority = rest.split(/[\/\\?#]/)[0];
    var path = rest.slice(authority.length);
    var at = authority.lastIndexOf("@");
    var userinfo = at >= 0 ? authority.slice(0, at) : "";
    var host = authority.slice(at + 1).split(":")[0].toLowerCase().replace(/\.+$/, "");
    if (host.slice(0, 4) === "www.") host = host.slice(4);
    return [userinfo, host, path];
  }

  function classify(text) {
    text = text.normalize("NFKC").trim();
    var low = text.toLowerCase();
    if (low.slice(0, 7) === "mailto:") text = text.slice(7).split("?")[0];
    else if (low.slice(0, 4) === "tel:") text = text.slice(4);
    var angle = /<([^<>]+)>/.exec(text);
    if (angle) text = angle[1].trim();
    if (EMAIL.test(text) && !SCHEME.test(text)) return ["email", "", text.toLowerCase(), ""];
    if (text.charAt(0) === "@" && HANDLE.test(text.slice(1))) return ["handle", "", text.slice(1).toLowerCase(), ""];
    var digits = text.replace(/[^0-9]/g, "");
    if (PHONE.test(text) && digits.length >= 7) {
      if (text.charAt(0) !== "+" && digits.slice(0, 2) === "00") digits = digits.slice(2);
      return ["phone", "", digits, ""];
    }
    var afterAt = text.split("@");
    if (SCHEME.test(text) || text.indexOf("/") >= 0 || text.indexOf("\\") >= 0 || HOST.test(afterAt[afterAt.length - 1])) {
      var parts = splitUrl(text), userinfo = parts[0], host = parts[1], path = parts[2];
      if (!host) return ["text", "", "", ""];
      var platform = platformOf(host);
      if (platform) {
        var segments = path.split("?")[0].split("#")[0].split(/[\/\\]/).filter(function (s) { return s; });
        if (platform === "telegram" && segments[0] === "s") segments = segments.slice(1);
        var name = segments.length ? segments[0].replace(/^@+/, "") : "";
        if (name && HANDLE.test(name)) return ["handle", platform, name.toLowerCase(), userinfo];
      }
      return ["site", "", host, userinfo];
    }
    if (HANDLE.test(text)) return ["handle", "", text.toLowerCase(), ""];
    return ["text", "", "", ""];
  }

  function skeleton(text) {
    var folded = Array.from(text.normalize("NFKC").toLowerCase()).map(function (c) {
      return Object.prototype.hasOwnProperty.call(tables.confusables, c) ? tables.confusables[c] : c;
    }).join("");
    return folded.replace(/[^a-z0-9]/g, "");
  }

  function distance(a, b) {
    var row = [];
    for (var j = 0; j <= b.length; j++) row.push(j);
    for (var i = 1; i <= a.length; i++) {
      var previous = row[0];
      row[0] = i;
      for (j = 1; j <= b.length; j++) {
        var next = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a.charAt(i - 1) !== b.charAt(j - 1) ? 1 : 0));
        previous = row[j];
        row[j] = next;
      }
    }
    return row[b.length];
  }

  function looksLike(value, extra) {
    if (!/^[\x00-\x7f]*$/.test(value) || value.split(".").some(function (l) { return l.slice(0, 4) === "xn--"; })) {
      return true;
    }
    var seen = skeleton(value) + " " + skeleton(extra || "");
    if (tables.brands.some(function (brand) { return seen.indexOf(brand) >= 0; })) return true;
    var plain = value.split(".").map(skeleton);
    var official = tables.sites.map(function (s) { return s[0]; }).concat(tables.handles.map(function (h) { return h[1]; }));
    return official.some(function (o) { return o.length >= 2 * tables.min_brand && distance(value, o) <= 2; }) ||
      plain.some(function (part) { return tables.brands.some(function (brand) { return distance(part, brand) <= 1; }); });
  }

  function verdict(answer, kind, match, platforms) {
    return {answer: answer, kind: kind, match: match || "", platforms: platforms || []};
  }

  function check(text) {
    if (!text.trim()) return verdict("empty", "text");
    var found = classify(text), kind = found[0], platform = found[1], value = found[2], userinfo = found[3];
    var i;
    if (kind === "site") {
      for (i = 0; i < tables.sites.length; i++) {
        var host = tables.sites[i][0];
        if (value === host || endsWith(value, "." + host)) return verdict("official", kind, tables.sites[i][1]);
      }
      return verdict(looksLike(value, userinfo) ? "lookalike" : "unknown", kind);
    }
    if (kind === "email") {
      var at = value.lastIndexOf("@"), local = value.slice(0, at), domain = value.slice(at + 1);
      for (i = 0; i < tables.emails.length; i++) {
        if (value === tables.emails[i][0]) return verdict("official", kind, tables.emails[i][1]);
      }
      for (i = 0; i < tables.emails.length; i++) {
        var own = tables.emails[i][0].split("@").pop();
        if (domain === own || endsWith(domain, "." + own)) return verdict("official", kind, "@" + own);
      }
      return verdict(looksLike(domain, local) ? "lookalike" : "unknown", kind);
    }
    if (kind === "phone") {
      for (i = 0; i < tables.phones.length; i++) {
        if (value === tables.phones[i][0]) return verdict("official", kind, tables.phones[i][1]);
      }
      return verdict("unknown", kind);
    }
    if (kind === "handle") {
      var where = tables.handles.filter(function (h) { return h[1] === value && (!platform || h[0] === platform); });
      if (where.length) {
        return verdict("official", kind, where[0][2],
          platform ? [] : where.map(function (h) { return tables.platforms[h[0]].name; }));
      }
      return verdict(looksLike(value, userinfo) ? "lookalike" : "unknown", kind);
    }
    return verdict("unknown", kind);
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function paragraph(strong, text) {
    var p = document.createElement("p");
    var b = document.createElement("strong");
    b.textContent = strong;
    p.appendChild(b);
    p.appendChild(document.createTextNode(" " + text));
    return p;
  }

  function render(box, input) {
    var out = box.querySelector(".kb-verify__result");
    var result = check(input.value);
    var strings = tables.strings;
    out.textContent = "";
    out.className = "kb-verify__result";
    out.setAttribute("data-answer", result.answer);
    if (result.answer === "empty") return;
    out.classList.add("admonition", result.answer === "official" ? "success" : "danger");
    if (result.answer === "official") {
      var text = result.platforms.length
        ? format(strings.official_only, {platforms: result.platforms.join(", ")})
        : format(strings.official_text, {match: result.match});
      out.appendChild(paragraph(strings.official, text));
      out.appendChild(document.createElement("p")).textContent = strings.official_reminder;
      return;
    }
    out.appendChild(paragraph(strings.not_official, strings[result.answer]));
    var advice = box.querySelector(".kb-verify__advice");
    if (advice) out.appendChild(advice.cloneNode(true));
  }

  window.kbVerify = {check: check};
  var boxes = document.querySelectorAll("[data-kb-verify]");
  Array.prototype.forEach.call(boxes, function (box) {
    var input = box.querySelector("input");
    if (!input) return;
    input.addEventListener("input", function () { render(box, input); });
    if (input.value) render(box, input);
  });
})();
