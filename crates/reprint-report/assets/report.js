// reprint report: renders the embedded findings, one page of each list at a time.
// Plain JS, no framework. Data is only ever inserted with textContent (via el()), never
// as HTML, so document text cannot inject markup.
'use strict';
// A failure must show, not leave empty sections behind.
window.addEventListener('error', e => {
  const p = document.createElement('p');
  p.className = 'note error';
  p.textContent = 'The report script failed: ' + e.message;
  document.body.prepend(p);
});
(function () {
  const PAGE = 25;        // rows per page of each list
  const CHIPS = 30;       // document chips shown before "show all"

  const payload = JSON.parse(document.getElementById('report-data').textContent);
  const D = payload.data;
  // UTF-16 offsets computed in Rust from the byte offsets (JS strings index UTF-16 units):
  // align16[i] = [a_start, a_end, b_start, b_end] of alignments[i];
  // occ16[p] = [start0, end0, start1, end1, ...] of passages[p].occurrences.
  const align16 = payload.align16;
  const occ16 = payload.occ16;

  const docIndex = new Map();
  D.documents.forEach((d, i) => docIndex.set(d.id, i));
  const doc = id => { const i = docIndex.get(id); return i === undefined ? null : D.documents[i]; };
  const pairKey = (a, b) => a + '\u0000' + b;
  const pairIndex = new Map();
  D.pairs.forEach((p, i) => { pairIndex.set(pairKey(p.a, p.b), i); pairIndex.set(pairKey(p.b, p.a), i); });

  // ---- DOM helpers -------------------------------------------------------------------
  function el(tag, props, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }
  const body = id => document.querySelector('#' + id + ' > .body');
  const fmt = x => (typeof x === 'number' ? x.toFixed(3) : '–');
  const snippet = (s, n) => (s.length > n ? s.slice(0, n) + '…' : s);
  const docLink = id => el('a', { href: '#doc=' + encodeURIComponent(id) }, id);
  const cmpLink = (a, b, label) =>
    el('a', { href: '#cmp=' + encodeURIComponent(a) + '&' + encodeURIComponent(b) }, label || 'compare');

  // ---- search: one query filters every list -------------------------------------------
  let tokens = [];
  let docMatch = null; // Set of ids of documents matching the query, null when no query

  function textMatches(s) {
    const low = s.toLowerCase();
    return tokens.every(t => low.includes(t));
  }
  function computeDocMatch() {
    if (!tokens.length) { docMatch = null; return; }
    docMatch = new Set();
    for (const d of D.documents) if (textMatches(d.id + '\n' + (d.title || '') + '\n' + d.text)) docMatch.add(d.id);
  }
  // An item matches if its own words match, or one of the documents it refers to does.
  function itemMatches(ownText, ids) {
    if (!tokens.length) return true;
    if (textMatches(ownText)) return true;
    for (const id of ids) if (docMatch.has(id)) return true;
    return false;
  }

  // ---- paged lists -------------------------------------------------------------------
  const lists = [];
  function pagedList(id, items, matches, render, opts) {
    const list = { items, shown: items, page: 0, extra: opts && opts.extra };
    list.refilter = () => {
      const f = list.extraFilter || (() => true);
      list.shown = items.filter(it => f(it) && matches(it));
      list.page = 0;
      list.draw();
    };
    list.draw = () => {
      const root = body(id);
      root.replaceChildren();
      if (list.extra) root.append(list.extra(list));
      if (!items.length) { root.append(el('p', { class: 'muted' }, 'None.')); return; }
      const pages = Math.max(1, Math.ceil(list.shown.length / PAGE));
      list.page = Math.min(list.page, pages - 1);
      const slice = list.shown.slice(list.page * PAGE, (list.page + 1) * PAGE);
      root.append(...[render(slice)].flat());
      const go = p => () => { list.page = p; list.draw(); };
      root.append(el('div', { class: 'pager' },
        el('button', { onclick: go(list.page - 1), disabled: list.page === 0 ? '' : null }, '‹ prev'),
        `page ${list.page + 1} of ${pages} · ${list.shown.length} of ${items.length}`,
        el('button', { onclick: go(list.page + 1), disabled: list.page >= pages - 1 ? '' : null }, 'next ›')));
    };
    lists.push(list);
    return list;
  }
  function table(headers, rows) {
    return el('table', null, el('thead', null, el('tr', null, headers.map(h => el('th', null, h)))),
      el('tbody', null, rows));
  }
  function chips(ids, label) {
    const box = el('div', { class: 'chips' });
    const show = n => {
      box.replaceChildren();
      for (const id of ids.slice(0, n)) box.append(el('span', { class: 'chip' }, docLink(id), label(id)));
      if (ids.length > n) {
        box.append(el('button', { class: 'more', onclick: () => show(ids.length) }, `show all ${ids.length}`));
      }
    };
    show(CHIPS);
    return box;
  }
  const dateOf = id => { const d = doc(id); return d && d.date ? ' ' + d.date : ''; };

  // ---- summary -----------------------------------------------------------------------
  function drawSummary() {
    const s = D.summary;
    const card = (n, l) => el('div', { class: 'card' }, el('div', { class: 'n' }, String(n)), el('div', { class: 'l' }, l));
    body('summary').append(el('div', { class: 'cards' },
      card(s.documents, 'documents'), card(s.duplicates_removed, 'duplicates removed'),
      card(s.clusters, 'duplicate clusters'), card(s.reused_passages, 'reused passages'),
      card(s.boilerplate, 'boilerplate passages'), card(s.stories, 'stories')));
    if (s.extra.length) body('summary').append(el('dl', { class: 'extra' }, s.extra.map(([k, v]) => [el('dt', null, k), el('dd', null, v)])));
  }

  // ---- clusters ----------------------------------------------------------------------
  function clusterScore(member, c) {
    let i = pairIndex.get(pairKey(member, c.representative));
    if (i === undefined) {
      for (const other of c.members) {
        if (other !== member && (i = pairIndex.get(pairKey(member, other))) !== undefined) break;
      }
    }
    return i === undefined ? null : D.pairs[i];
  }
  function memberRow(m, c) {
    const d = doc(m);
    const kept = d ? d.keep : m === c.representative;
    const p = m === c.representative ? null : clusterScore(m, c);
    const other = p ? (p.a === m ? p.b : p.a) : null;
    // Containment of this member in the other one, and the other way round.
    const [cab, cba] = !p ? [null, null] : p.a === m ? [p.containment_a_in_b, p.containment_b_in_a]
      : [p.containment_b_in_a, p.containment_a_in_b];
    return el('tr', null,
      el('td', null, docLink(m)),
      el('td', null, kept ? el('span', { class: 'badge keep' }, 'kept') : el('span', { class: 'badge drop' }, 'dropped'),
        d && d.duplicate_of ? 'dup of ' + d.duplicate_of : ''),
      el('td', { class: 'nowrap' }, d && d.date ? d.date : ''),
      el('td', null, other || ''),
      el('td', { class: 'num' }, p ? fmt(p.jaccard) : ''),
      el('td', { class: 'num' }, p ? fmt(cab) : ''),
      el('td', { class: 'num' }, p ? fmt(cba) : ''),
      el('td', null, p ? (p.exact ? 'yes' : 'no') : ''),
      el('td', null, other ? cmpLink(m, other) : ''));
  }
  function clusterTable(c) {
    // The representative first, then the others in the given order.
    const members = [c.representative, ...c.members.filter(m => m !== c.representative)];
    const box = el('div');
    const show = n => {
      box.replaceChildren(table(['document', 'status', 'date', 'scored against', 'jaccard', 'contained', 'contains', 'exact', ''],
        members.slice(0, n).map(m => memberRow(m, c))));
      if (members.length > n) box.append(el('button', { class: 'more', onclick: () => show(members.length) }, `show all ${members.length}`));
    };
    show(CHIPS);
    return box;
  }
  const clusterList = pagedList('clusters', D.clusters,
    c => itemMatches('#' + c.id, c.members),
    slice => slice.map(c => el('div', { class: 'item cluster', 'data-cluster': c.id },
      el('h3', null, `Cluster #${c.id} `, el('span', { class: 'muted' }, `${c.members.length} documents, representative `),
        docLink(c.representative)),
      clusterTable(c))));

  // ---- stories as a timeline -----------------------------------------------------------
  const time = s => { if (!s) return NaN; const t = Date.parse(s.slice(0, 10)); return t; };
  const storiesSorted = D.stories.slice().sort((x, y) =>
    (x.first_seen || '\uffff').localeCompare(y.first_seen || '\uffff') || x.id - y.id);
  const times = D.stories.flatMap(s => [time(s.first_seen), time(s.last_seen)]).filter(t => !isNaN(t));
  const tMin = Math.min(...times), tMax = Math.max(...times);
  const storyList = pagedList('stories', storiesSorted,
    s => itemMatches('#' + s.id + '\n' + s.label + '\n' + s.top_entities.join('\n'), s.members),
    slice => slice.map(s => {
      const a = time(s.first_seen), b = isNaN(time(s.last_seen)) ? a : time(s.last_seen);
      const span = tMax > tMin ? tMax - tMin : 1;
      const bar = isNaN(a) ? null : el('div', { class: 'timeline', title: `${s.first_seen} → ${s.last_seen || s.first_seen}` },
        el('div', { class: 'bar', style: `left:${(100 * (a - tMin) / span).toFixed(2)}%;width:${(100 * (b - a) / span).toFixed(2)}%` }));
      const members = s.members.slice().sort((x, y) => dateOf(x).localeCompare(dateOf(y)));
      return el('div', { class: 'item story', 'data-story': s.id },
        el('h3', null, s.label, ' ', el('span', { class: 'muted' }, `story #${s.id} · ${s.members.length} documents · ${s.first_seen || '?'} → ${s.last_seen || '?'}`)),
        bar,
        s.top_entities.length ? el('div', { class: 'chips' }, s.top_entities.map(e => el('span', { class: 'chip entity' }, e))) : null,
        (s.titles || []).length ? el('ul', { class: 'titles' }, s.titles.map(t => el('li', null, t))) : null,
        chips(members, dateOf));
    }),
    { extra: () => times.length ? el('div', { class: 'axis' }, el('span', null, new Date(tMin).toISOString().slice(0, 10)), el('span', null, new Date(tMax).toISOString().slice(0, 10)))
      : D.stories.length ? el('p', { class: 'note undated' }, 'No document has a date: stories are grouped without time and may be broader than single events.') : '' });

  // ---- passages and boilerplate ---------------------------------------------------------
  let passageKind = 'all';
  const passageList = pagedList('passages', D.passages,
    p => itemMatches('#' + p.id + '\n' + p.text, p.occurrences.map(o => o[0])),
    slice => slice.map(p => {
      const ids = [...new Set(p.occurrences.map(o => o[0]))];
      return el('div', { class: 'item passage', 'data-passage': p.id },
        el('h3', null, p.boilerplate ? el('span', { class: 'badge boiler' }, 'boilerplate') : el('span', { class: 'badge' }, 'reused'),
          `Passage #${p.id} `, el('span', { class: 'muted' }, `in ${ids.length} documents`),
          p.source ? [el('span', { class: 'muted' }, ', source '), docLink(p.source)] : ''),
        el('div', { class: 'passage-text' }, snippet(p.text, 600)),
        chips(ids, dateOf));
    }),
    { extra: list => el('div', { class: 'filters' }, 'show ',
      el('select', { onchange: e => { passageKind = e.target.value; list.refilter(); } },
        ['all', 'boilerplate', 'reused'].map(k => el('option', { value: k, selected: k === passageKind ? '' : null },
          k === 'reused' ? 'reused, not boilerplate' : k)))) });
  passageList.extraFilter = p => passageKind === 'all' || p.boilerplate === (passageKind === 'boilerplate');

  // ---- pairs and alignments ------------------------------------------------------------
  const pairList = pagedList('pairs', D.pairs,
    p => itemMatches('', [p.a, p.b]),
    slice => table(['a', 'b', 'jaccard', 'a in b', 'b in a', 'exact', ''], slice.map(p => el('tr', null,
      el('td', null, docLink(p.a)), el('td', null, docLink(p.b)),
      el('td', { class: 'num' }, fmt(p.jaccard)), el('td', { class: 'num' }, fmt(p.containment_a_in_b)),
      el('td', { class: 'num' }, fmt(p.containment_b_in_a)), el('td', null, p.exact ? 'yes' : 'no'),
      el('td', null, cmpLink(p.a, p.b))))));
  const alignIdx = D.alignments.map((_, i) => i);
  const alignList = pagedList('alignments', alignIdx,
    i => itemMatches('#' + D.alignments[i].passage, [D.alignments[i].a, D.alignments[i].b]),
    slice => table(['a', 'bytes', 'b', 'bytes', 'identity', 'passage', 'text', ''], slice.map(i => {
      const al = D.alignments[i];
      const da = doc(al.a);
      return el('tr', null,
        el('td', null, docLink(al.a)), el('td', { class: 'num' }, `${al.a_start}–${al.a_end}`),
        el('td', null, docLink(al.b)), el('td', { class: 'num' }, `${al.b_start}–${al.b_end}`),
        el('td', { class: 'num' }, fmt(al.identity)), el('td', null, '#' + al.passage),
        el('td', { class: 'snippet' }, da ? snippet(da.text.slice(align16[i][0], align16[i][1]), 90) : ''),
        el('td', null, el('a', { href: '#aln=' + i }, 'compare')));
    })));

  // ---- documents -----------------------------------------------------------------------
  const docList = pagedList('documents', D.documents,
    d => !tokens.length || docMatch.has(d.id),
    slice => table(['id', 'date', 'cluster', 'status', 'story', 'text'], slice.map(d => el('tr', null,
      el('td', null, docLink(d.id)), el('td', { class: 'nowrap' }, d.date || ''),
      el('td', null, d.cluster === null || d.cluster === undefined ? '' : '#' + d.cluster),
      el('td', null, d.keep ? el('span', { class: 'badge keep' }, 'kept') : el('span', { class: 'badge drop' }, 'dropped'),
        d.duplicate_of ? ['dup of ', docLink(d.duplicate_of)] : ''),
      el('td', null, d.story === null || d.story === undefined ? '' : '#' + d.story),
      el('td', { class: 'snippet' }, d.title ? [el('strong', null, d.title), ' '] : null, snippet(d.text, 140))))));

  // ---- side by side ----------------------------------------------------------------------
  // ranges: [start, end, title, selected] in UTF-16 units; overlapping ranges are merged.
  function highlighted(text, ranges) {
    const out = el('div', { class: 'text' });
    const rs = ranges.map(([s, e, t, sel]) => [Math.max(0, Math.min(s, text.length)), Math.max(0, Math.min(e, text.length)), t, sel])
      .filter(r => r[1] > r[0]).sort((x, y) => x[0] - y[0] || y[1] - x[1]);
    let pos = 0;
    for (const [s0, e, t, sel] of rs) {
      const s = Math.max(s0, pos);
      if (e <= s) continue;
      if (s > pos) out.append(text.slice(pos, s));
      out.append(el('mark', { title: t, class: sel ? 'sel' : null }, text.slice(s, e)));
      pos = e;
    }
    out.append(text.slice(pos));
    return out;
  }
  // Word 5-grams shared by both texts, as ranges in each (used when no alignment exists).
  function sharedShingles(ta, tb, n) {
    const words = t => [...t.matchAll(/[\p{L}\p{N}]+/gu)].map(m => [m[0].toLowerCase(), m.index, m.index + m[0].length]);
    const wa = words(ta), wb = words(tb);
    const grams = w => { const m = new Map(); for (let i = 0; i + n <= w.length; i++) { const k = w.slice(i, i + n).map(x => x[0]).join(' '); if (!m.has(k)) m.set(k, []); m.get(k).push(i); } return m; };
    const ga = grams(wa), gb = grams(wb);
    const ranges = (w, mine, theirs) => {
      const out = [];
      for (const [k, starts] of mine) if (theirs.has(k)) for (const i of starts) out.push([w[i][1], w[i + n - 1][2], 'shared ' + n + '-gram']);
      out.sort((x, y) => x[0] - y[0]);
      const merged = [];
      for (const r of out) { const last = merged[merged.length - 1]; if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]); else merged.push(r); }
      return merged;
    };
    return [ranges(wa, ga, gb), ranges(wb, gb, ga)];
  }
  function docPanel(id, ranges, note) {
    const d = doc(id);
    if (!d) return el('div', { class: 'doc' }, el('h3', null, id), el('p', { class: 'muted' }, 'not in this report'));
    return el('div', { class: 'doc', 'data-doc': id },
      el('h3', null, d.id, ' ', el('span', { class: 'muted' }, [d.date, d.keep ? 'kept' : 'dropped',
        d.cluster !== null && d.cluster !== undefined ? 'cluster #' + d.cluster : null,
        d.story !== null && d.story !== undefined ? 'story #' + d.story : null, note].filter(Boolean).join(' · '))),
      d.title ? el('p', { class: 'title' }, d.title) : null,
      highlighted(d.text, ranges));
  }
  function compare(a, b, selected) {
    const ra = [], rb = [];
    D.alignments.forEach((al, i) => {
      const t = `passage #${al.passage}, identity ${fmt(al.identity)}`;
      const [as, ae, bs, be] = align16[i];
      if (al.a === a && al.b === b) { ra.push([as, ae, t, i === selected]); rb.push([bs, be, t, i === selected]); }
      else if (al.a === b && al.b === a) { ra.push([bs, be, t, i === selected]); rb.push([as, ae, t, i === selected]); }
    });
    let how = `${ra.length} aligned passage(s) highlighted`;
    if (!ra.length && doc(a) && doc(b)) {
      const [sa, sb] = sharedShingles(doc(a).text, doc(b).text, 5);
      ra.push(...sa); rb.push(...sb);
      how = 'shared word 5-grams highlighted';
    }
    const p = pairIndex.get(pairKey(a, b));
    const score = p === undefined ? '' : ` · jaccard ${fmt(D.pairs[p].jaccard)}`;
    return [el('p', { class: 'muted' }, how + score), el('div', { class: 'side' }, docPanel(a, ra), docPanel(b, rb))];
  }
  let docOcc = null; // doc id -> [[passage index, occurrence index]], built on first use
  function single(id) {
    if (!docOcc) {
      docOcc = new Map();
      D.passages.forEach((p, pi) => p.occurrences.forEach((o, oi) => {
        if (!docOcc.has(o[0])) docOcc.set(o[0], []);
        docOcc.get(o[0]).push([pi, oi]);
      }));
    }
    const occ = docOcc.get(id) || [];
    const ranges = occ.map(([pi, oi]) => [occ16[pi][2 * oi], occ16[pi][2 * oi + 1],
      `passage #${D.passages[pi].id}${D.passages[pi].boilerplate ? ' (boilerplate)' : ''}`]);
    return [el('p', { class: 'muted' }, `${occ.length} passage occurrence(s) highlighted`), el('div', { class: 'side one' }, docPanel(id, ranges))];
  }
  function drawCompare() {
    const raw = location.hash.slice(1);
    let view = null;
    if (raw.startsWith('cmp=')) {
      const [a, b] = raw.slice(4).split('&').map(decodeURIComponent);
      view = compare(a, b || a, -1);
    } else if (raw.startsWith('aln=') && D.alignments[+raw.slice(4)]) {
      const i = +raw.slice(4);
      view = compare(D.alignments[i].a, D.alignments[i].b, i);
    } else if (raw.startsWith('doc=')) {
      view = single(decodeURIComponent(raw.slice(4)));
    } else if (!document.querySelector('#compare .side')) {
      // Nothing picked yet: show the first alignment, else the first pair.
      if (D.alignments.length) view = compare(D.alignments[0].a, D.alignments[0].b, 0);
      else if (D.pairs.length) view = compare(D.pairs[0].a, D.pairs[0].b, -1);
      else view = [el('p', { class: 'muted' }, 'Pick a pair, an alignment or a document to see it here.')];
    } else return false;
    body('compare').replaceChildren(...view);
    return true;
  }
  window.addEventListener('hashchange', () => {
    if (location.hash.startsWith('#q=')) {
      input.value = decodeURIComponent(location.hash.slice(3));
      applyQuery();
    } else if (drawCompare()) document.getElementById('compare').scrollIntoView();
  });

  // ---- start -------------------------------------------------------------------------------
  const input = document.getElementById('q');
  function applyQuery() {
    tokens = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    computeDocMatch();
    for (const l of lists) l.refilter();
  }
  // "#q=words" opens the report filtered, so a link can point at a search.
  if (location.hash.startsWith('#q=')) input.value = decodeURIComponent(location.hash.slice(3));
  drawSummary();
  drawCompare();
  applyQuery();
  let timer = null;
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(applyQuery, 200); });
  document.body.setAttribute('data-ready', 'true');
  // Milliseconds from navigation start until every view is drawn (parse, JSON, first pages).
  document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
})();
