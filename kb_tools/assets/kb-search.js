/* kb's in-browser search: reads the shards kb_tools/webindex.py writes next to this file and answers
   a reader's question as `kb search` does (kb_tools/query.py shapes the query, kb_tools/search.py
   scores it): the same rules, the same terms, the same scores, so both faces give the same article.
   It fetches only files of this folder. window.kbSearch.search(query, limit) is its API (load() and
   explain(query) too); every
   [data-kb-search] element holding an <input> and an <ol> becomes a search box. */
(function () {
  "use strict";
  var base = new URL(".", document.currentScript.src);
  var metaPromise = null;
  var loading = {};  // shard number -> the promise of its terms
  var shards = {};  // shard number -> its terms, once loaded
  var docs = {};

  function fetchJson(path) {
    return fetch(new URL(path, base)).then(function (response) {
      if (!response.ok) throw new Error(path + ": " + response.status);
      return response.arrayBuffer();
    }).then(function (buffer) {
      var bytes = new Uint8Array(buffer);
      if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return JSON.parse(new TextDecoder().decode(bytes));
      // Gzipped by kb; a server that sent it with Content-Encoding: gzip has already undone it.
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(stream).text().then(JSON.parse);
    });
  }

  function meta() {
    if (!metaPromise) {
      metaPromise = fetchJson("meta.json").then(function (data) {
        var cjk = data.cjk;
        data.re = {
          cjk: new RegExp("[" + cjk + "]", "u"),
          letter: "(?:(?![" + cjk + "])[\\p{L}\\p{N}])",
          runs: new RegExp("(?:(?=[" + cjk + "])[\\p{L}\\p{N}])+|(?:(?![" + cjk + "])[\\p{L}\\p{N}])+", "gu"),
          word: /[\p{L}\p{N}_*]+(?:\.?[\p{L}\p{N}_*]+)*/gu,
          scripts: new RegExp("(?<=[" + cjk + "])(?=[^" + cjk + "])|(?<=[^" + cjk + "])(?=[" + cjk + "])", "gu"),
        };
        data.stop = new Set(data.rules.stop);
        data.prefixes = new Set(data.rules.prefixes);
        data.phrases = data.rules.phrases;
        data.members = data.rules.members;
        Object.keys(data.spaces).forEach(function (key) {
          data.spaces[key].stopSet = new Set(data.spaces[key].stop);
        });
        return data;
      });
    }
    return metaPromise;
  }

  function chars(text) { return Array.from(text); }
  function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&"); }
  function isCjk(m, text) { return m.re.cjk.test(chars(text)[0] || ""); }
  function words(m, text) { return text.match(m.re.word) || []; }
  function split(text) { return text.split(/\s+/).filter(Boolean); }
  function unique(list) { return Array.from(new Set(list)); }

  function normalize(text) {
    return text.replace(/[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, " ")
      .normalize("NFKC").toLowerCase().trim();
  }

  function wordPattern(m, word, prefix) {
    var escaped = escapeRegExp(word);
    if (isCjk(m, word)) return new RegExp(escaped, "gu");
    return new RegExp("(?<!" + m.re.letter + ")" + escaped + (prefix ? m.re.letter + "*" : "(?!" + m.re.letter + ")"), "gu");
  }

  // query.shape: synonym groups found become concepts, the rest loses its stop words.
  function shape(m, text) {
    text = normalize(text);
    var concepts = [];
    m.members.forEach(function (member) {
      var pattern = wordPattern(m, member[0], m.prefixes.has(member[0]));
      if (pattern.test(text)) {
        pattern.lastIndex = 0;
        if (!isCjk(m, member[0])) text = text.replace(pattern, " ");
        if (concepts.indexOf(member[1]) < 0) concepts.push(member[1]);
      }
    });
    var rest;
    if (m.rules.kind === "words") {
      rest = words(m, text).filter(function (w) { return !m.stop.has(w); }).join(" ");
    } else {
      var stripped = text;
      m.rules.strip.forEach(function (pattern) { stripped = stripped.replace(new RegExp(pattern, "gu"), " "); });
      rest = split(stripped).filter(function (w) { return !m.stop.has(w); }).join(" ");
      m.phrases.forEach(function (phrase) { rest = rest.split(phrase).join(" "); });
    }
    if (!rest.trim() && !concepts.length) rest = text;
    return {
      concepts: concepts.map(function (index) { return m.rules.synonyms[index]; }),
      rest: split(rest).join(" "),
    };
  }

  function bigramSpans(m, text) {
    var spans = [];
    var match;
    m.re.runs.lastIndex = 0;
    while ((match = m.re.runs.exec(text))) {
      var run = chars(match[0]);
      var at = match.index;
      if (!isCjk(m, match[0]) || run.length === 1) {
        spans.push([match[0], at, at + match[0].length]);
      } else {
        var offset = at;
        for (var i = 0; i < run.length - 1; i++) {
          var pair = run[i] + run[i + 1];
          spans.push([pair, offset, offset + pair.length]);
          offset += run[i].length;
        }
      }
    }
    return spans;
  }

  function shardOf(m, term) {
    var list = chars(term);
    var key = isCjk(m, term) ? term : list.slice(0, 3).join("");
    var value = 0x811c9dc5;
    new TextEncoder().encode(key).forEach(function (byte) {
      value = Math.imul(value ^ byte, 0x01000193) >>> 0;
    });
    return value % m.shards;
  }

  function loadShards(m, keys) {
    return Promise.all(unique(keys.map(function (key) { return shardOf(m, key); })).map(function (number) {
      if (!loading[number]) {
        loading[number] = fetchJson("t/" + number + ".json.gz").then(function (terms) { shards[number] = terms; });
        loading[number].catch(function () { delete loading[number]; });  // asked again by the next query
      }
      return loading[number];
    }));
  }

  // The terms text gives in one field group, as search.Searcher.terms reads them.
  function candidates(m, space, text) {
    var info = m.spaces[space];
    if (info.kind === "bigram") return unique(bigramSpans(m, text).map(function (s) { return s[0]; }));
    return unique(words(m, text.replace(m.re.scripts, " ")).filter(function (w) {
      return chars(w).length >= info.min && !info.stopSet.has(w);
    }));
  }

  // search.Searcher.terms: a word's term, as the index's analyzer made it from the same word in an
  // article; for a word no article has, the longest term of the index it starts with.
  function termOf(m, space, word) {
    var info = m.spaces[space];
    if (info.kind === "bigram") return word;
    var shard = shards[shardOf(m, word)];
    if (!shard) return word;
    var mapped = shard.w[space][word];
    var home = mapped && shards[shardOf(m, mapped)];
    if (home && home[space][mapped]) return mapped;
    if (shard[space][word]) return word;
    var list = chars(word);
    for (var n = list.length - 1; n >= info.prefix; n--) {
      var stem = list.slice(0, n).join("");
      if (shard[space][stem]) return stem;
    }
    return word;
  }

  function spacesOf(m) { return Object.keys(m.spaces); }

  // The shards a query needs: those of its words, then those of the terms its words stem to.
  function load(m, shaped) {
    var words = [];
    texts(shaped).forEach(function (text) {
      spacesOf(m).forEach(function (space) {
        candidates(m, space, text).forEach(function (w) { words.push([space, w]); });
      });
    });
    return loadShards(m, words.map(function (pair) { return pair[1]; })).then(function () {
      return loadShards(m, words.map(function (pair) {
        var shard = shards[shardOf(m, pair[1])];
        return (shard && (shard.w[pair[0]][pair[1]] || (pair[0] === "o" && shard.x[pair[1]]))) || pair[1];
      }));
    });
  }

  // What a shaped query holds as typed: the rest, then every word of every synonym group found.
  function texts(shaped) {
    return shaped.concepts.reduce(function (all, group) { return all.concat(group); }, [shaped.rest]);
  }

  function search(query, limit) {
    limit = limit || 10;
    return meta().then(function (m) {
      var shaped = shape(m, query);
      return load(m, shaped).then(function () { return rank(m, shaped, limit); });
    });
  }

  // search.Searcher._reading: the terms of text in each field group, each with its weight; with
  // bridged, also the source terms the reader's terms translate (bridge.py), each weighed by how
  // many of the reader's terms it stands for.
  function read(m, text, bridged) {
    var found = {};
    spacesOf(m).forEach(function (space) {
      found[space] = unique(candidates(m, space, text).map(function (w) { return termOf(m, space, w); }))
        .map(function (term) { return [term, 1]; });
    });
    if (bridged && found.s) {
      var counts = {};
      var order = [];
      found.o.forEach(function (entry) {
        var shard = shards[shardOf(m, entry[0])];
        var source = shard && shard.x[entry[0]];
        if (!source) return;
        if (!counts[source]) order.push(source);
        counts[source] = (counts[source] || 0) + 1;
      });
      var known = new Set(found.s.map(function (entry) { return entry[0]; }));
      order.forEach(function (term) { if (!known.has(term)) found.s.push([term, counts[term]]); });
    }
    return found;
  }

  function posting(m, space, term) {
    var shard = shards[shardOf(m, term)];
    return shard && shard[space][term];
  }

  // In how many articles a term is (search.frequency), and search.inverse_frequency.
  function frequency(m, space, term) { var p = posting(m, space, term); return p ? p[2] : 0; }
  function idf(m, df) { return Math.log(1 + (m.count - df + 0.5) / (df + 0.5)); }

  // search.Searcher._query: a reading's terms not looked for yet; an alternative (of a synonym group)
  // needs all its terms in one field group and counts their mean; with blend, each field group's
  // terms weigh as the group's frequency.
  function select(m, reading, used, alternative, blend) {
    var size = 1;
    var terms = [];
    spacesOf(m).forEach(function (space) {
      size = Math.max(size, reading[space].length);
      reading[space].forEach(function (entry) {
        var key = space + "\u0000" + entry[0];
        if (used.has(key)) return;
        used.add(key);
        var weight = entry[1];
        var own = frequency(m, space, entry[0]);
        if (blend && own) weight *= idf(m, blend[space]) / idf(m, own);
        terms.push([space, entry[0], weight]);
      });
    });
    return { terms: terms, scale: alternative && size > 1 ? 1 / size : 1, all: alternative };
  }

  // One frequency per field group for a synonym group: that of its commonest alternative.
  function blendOf(m, readings) {
    var blend = {};
    spacesOf(m).forEach(function (space) {
      blend[space] = 0;
      readings.forEach(function (reading) {
        if (!reading[space].length) return;
        var least = Math.min.apply(null, reading[space].map(function (e) { return frequency(m, space, e[0]); }));
        blend[space] = Math.max(blend[space], least);
      });
    });
    return blend;
  }

  function rank(m, shaped, limit) {
    var used = new Set();
    var found = {};  // space -> term -> true, for marks
    function scores(selected) {
      var result = new Map();
      spacesOf(m).forEach(function (space) {
        var terms = selected.terms.filter(function (entry) { return entry[0] === space; });
        var sums = new Map();
        var counts = new Map();
        terms.forEach(function (entry) {
          var list = posting(m, space, entry[1]);
          if (!list) return;
          (found[space] = found[space] || {})[entry[1]] = true;
          var doc = 0;
          for (var i = 0; i < list[0].length; i++) {
            doc += list[0][i];
            sums.set(doc, (sums.get(doc) || 0) + list[1][i] * entry[2] * selected.scale);
            counts.set(doc, (counts.get(doc) || 0) + 1);
          }
        });
        sums.forEach(function (score, doc) {
          if (selected.all && counts.get(doc) < terms.length) return;  // an alternative needs all its terms
          result.set(doc, (result.get(doc) || 0) + score);
        });
      });
      return result;
    }
    var total = new Map();
    function add(map) { map.forEach(function (score, doc) { total.set(doc, (total.get(doc) || 0) + score); }); }
    shaped.concepts.forEach(function (group) {
      var best = new Map();
      var readings = group.map(function (word) { return read(m, word, false); });
      var blend = blendOf(m, readings);
      var before = new Set(used);
      readings.map(function (reading) {
        var seen = new Set(before);
        var selected = select(m, reading, seen, true, blend);
        seen.forEach(function (key) { used.add(key); });
        return selected;
      }).filter(function (selected) { return selected.terms.length; }).map(scores).forEach(function (map) {
        map.forEach(function (score, doc) { if (!best.has(doc) || best.get(doc) < score) best.set(doc, score); });
      });
      add(best);
    });
    add(scores(select(m, read(m, shaped.rest, true), used, false, null)));
    var ranked = Array.from(total.entries()).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    var short = new Set();
    texts(shaped).forEach(function (text) {
      (text.match(m.re.runs) || []).forEach(function (run) {
        if (chars(run).length === 2 && isCjk(m, run)) short.add(run);
      });
    });
    return Promise.all(ranked.slice(0, limit).map(function (entry) {
      if (!docs[entry[0]]) docs[entry[0]] = fetchJson("d/" + entry[0] + ".json.gz");
      return docs[entry[0]].then(function (doc) { return result(m, doc, entry[1] / 1000, found, short); });
    }));
  }

  // search.marked_words: whole words to mark, never a lone CJK character.
  function markedWords(m, text, space, found, short) {
    var terms = found[space] || {};
    var marked = new Set();
    if (m.spaces[space].kind === "words") {
      words(m, text).forEach(function (word) {
        var lower = word.toLowerCase();
        if (terms[termOf(m, space, lower)]) marked.add(lower);
      });
      return marked;
    }
    Object.keys(terms).forEach(function (term) { if (!isCjk(m, term)) marked.add(term); });
    var lower = text.toLowerCase();
    var spans = [];
    bigramSpans(m, lower).forEach(function (s) {
      if (!terms[s[0]] || !isCjk(m, s[0])) return;
      if (spans.length && s[1] < spans[spans.length - 1][1]) spans[spans.length - 1][1] = s[2];
      else spans.push([s[1], s[2]]);
    });
    spans.forEach(function (span) {
      var piece = text.slice(span[0], span[1]);
      if (chars(piece).length > 2 || short.has(piece.toLowerCase())) marked.add(piece);
    });
    return marked;
  }

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  // search.snippet: about width characters around where most marked words are, marks in <mark>.
  function snippet(m, text, marked, width) {
    width = width || 180;
    text = split(text).join(" ");
    var ordered = Array.from(marked).sort(function (a, b) { return chars(b).length - chars(a).length || compare(a, b); });
    var marks = [];
    if (ordered.length) {
      var pattern = new RegExp(ordered.map(function (w) {
        return isCjk(m, w) ? escapeRegExp(w) : "(?<!" + m.re.letter + ")" + escapeRegExp(w) + "(?!" + m.re.letter + ")";
      }).join("|"), "giu");
      var match;
      while ((match = pattern.exec(text))) {
        if (!match[0].length) { pattern.lastIndex++; continue; }
        marks.push([match.index, match.index + match[0].length]);
      }
    }
    var start = marks.length ? windowStart(m, text, marks, width) : 0;
    var end = Math.min(text.length, start + width);
    if (end < text.length && !isCjk(m, text[end - 1])) {
      var space = text.lastIndexOf(" ", end - 1);
      end = Math.max(space >= start ? space : -1, start + Math.floor(width / 2));
    }
    var html = "";
    var at = start;
    marks.forEach(function (mark) {
      if (mark[0] >= at && mark[1] <= end) {
        html += escapeHtml(text.slice(at, mark[0])) + "<mark>" + escapeHtml(text.slice(mark[0], mark[1])) + "</mark>";
        at = mark[1];
      }
    });
    html += escapeHtml(text.slice(at, end));
    return { html: (start ? "… " : "") + html.trim() + (end < text.length ? " …" : ""), start: start };
  }

  function windowStart(m, text, marks, width) {
    var words = marks.map(function (mark) { return text.slice(mark[0], mark[1]).toLowerCase(); });
    function count(i) {  // the marks from the i-th on that end within width * 3/4 of its start: the next ones
      var seen = new Set();
      var limit = marks[i][0] + Math.floor(width * 3 / 4);
      for (var j = i; j < marks.length && marks[j][1] <= limit; j++) seen.add(words[j]);
      return seen.size;
    }
    var first = marks[0][0];
    var best = -1;
    marks.forEach(function (mark, i) {
      var n = count(i);
      if (n > best || (n === best && mark[0] < first)) { best = n; first = mark[0]; }
    });
    var sentence = 0;
    var ends = /[.!?。！？]\s*|\n/g;
    var found;
    var before = text.slice(0, first);
    while ((found = ends.exec(before))) sentence = found.index + found[0].length;
    if (first - sentence <= Math.floor(width / 3)) return sentence;
    if (isCjk(m, text.slice(first))) {
      var from = Math.max(0, first - Math.floor(width / 6));
      var pauses = /[，、；：,;:]/g;
      var pause = first;
      var slice = text.slice(from, first);
      while ((found = pauses.exec(slice))) pause = from + found.index + found[0].length;
      return pause;
    }
    var space = text.lastIndexOf(" ", Math.max(0, first - Math.floor(width / 8)) - 1);
    return space >= 0 ? space + 1 : 0;
  }

  function result(m, doc, score, found, short) {
    var space = doc.l === m.lang ? "o" : "s";
    var full = "";
    var starts = [];
    doc.x.forEach(function (section) {
      starts.push(full.length);
      full += (full ? " " : "") + section[1];
    });
    var cut = snippet(m, full, markedWords(m, full, space, found, short));
    var anchor = "";
    doc.x.forEach(function (section, i) { if (starts[i] <= cut.start) anchor = section[0]; });
    return {
      path: doc.p, url: new URL(doc.u + (anchor ? "#" + anchor : ""), new URL("..", base)).href,
      title: doc.t, lang: doc.l, notice: doc.n, score: score, snippet: cut.html,
    };
  }

  // The search boxes.
  function bind(element) {
    var input = element.querySelector("input");
    var list = element.querySelector("ol");
    var status = element.querySelector("[role=status]");
    if (!input || !list) return;
    var latest = 0;
    var timer = null;
    function show(query, results, m) {
      list.textContent = "";
      results.forEach(function (hit) {
        var item = document.createElement("li");
        item.className = "kb-result";
        var link = document.createElement("a");
        link.className = "kb-result__link";
        link.href = hit.url;
        var title = document.createElement("span");
        title.className = "kb-result__title";
        title.textContent = hit.title;
        if (hit.lang !== m.lang) title.lang = hit.lang;
        link.appendChild(title);
        if (hit.lang !== m.lang) link.appendChild(badge(m.names[hit.lang] || hit.lang, "kb-badge--lang", hit.lang));
        if (hit.notice === "machine") link.appendChild(badge(m.strings.machine, "kb-badge--machine"));
        item.appendChild(link);
        var text = document.createElement("p");
        text.className = "kb-result__snippet";
        if (hit.lang !== m.lang) text.lang = hit.lang;
        text.innerHTML = hit.snippet;  // escaped text with <mark> only (snippet())
        item.appendChild(text);
        list.appendChild(item);
      });
      if (status) status.textContent = results.length ? m.strings.results.replace("%(count)s", results.length) : m.strings.none;
    }
    function run() {
      var query = input.value;
      var number = ++latest;
      if (!query.trim()) { list.textContent = ""; if (status) status.textContent = ""; return; }
      Promise.all([meta(), search(query, 10)]).then(function (done) {
        if (number === latest) show(query, done[1], done[0]);
      }).catch(function () {
        if (number === latest && status) meta().then(function (m) { status.textContent = m.strings.error; }, function () {});
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    input.addEventListener("keydown", function (event) {
      var first = list.querySelector("a");
      if (event.key === "Enter" && first) { event.preventDefault(); first.click(); }
      if (event.key === "ArrowDown" && first) { event.preventDefault(); first.focus(); }
    });
    list.addEventListener("keydown", function (event) {
      var links = Array.from(list.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : input).focus(); }
    });
    input.addEventListener("focus", function () { meta().catch(function () {}); }, { once: true });
  }

  function badge(text, modifier, lang) {
    var span = document.createElement("span");
    span.className = "kb-badge " + modifier;
    span.textContent = text;
    if (lang) span.lang = lang;
    return span;
  }

  // The query as kb reads it: the concepts, the rest, and every term looked for (for tests and checks).
  function explain(query) {
    return meta().then(function (m) {
      var shaped = shape(m, query);
      return load(m, shaped).then(function () {
        var used = new Set();
        var terms = [];
        shaped.concepts.forEach(function (group) {
          var readings = group.map(function (word) { return read(m, word, false); });
          var blend = blendOf(m, readings);
          var before = new Set(used);
          readings.forEach(function (reading) {
            var seen = new Set(before);
            terms = terms.concat(select(m, reading, seen, true, blend).terms);
            seen.forEach(function (key) { used.add(key); });
          });
        });
        terms = terms.concat(select(m, read(m, shaped.rest, true), used, false, null).terms);
        return { concepts: shaped.concepts, rest: shaped.rest,
                 terms: terms.map(function (t) { return t[0] + ":" + t[1] + (t[2] !== 1 ? "*" + t[2].toFixed(2) : ""); }) };
      });
    });
  }

  // load(): what every query needs (the rules), fetched when a search box gets the focus.
  window.kbSearch = { search: search, explain: explain, load: meta };
  function start() { document.querySelectorAll("[data-kb-search]").forEach(bind); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
