// reprint live page: the report's views, plus what only a server can answer — a search over
// the whole store (/v1/search) and a notice when documents arrive (/healthz). Text is only
// ever inserted with textContent.
'use strict';
(function () {
  const main = document.querySelector('main');
  const mk = (tag, props, ...kids) => {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) n.setAttribute(k, v);
    for (const c of kids) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return n;
  };

  // ---- search the whole store ------------------------------------------------------------
  const input = mk('input', { id: 'store-q', type: 'search', placeholder: 'id or words', 'aria-label': 'Search the store' });
  const button = mk('button', { id: 'store-search', type: 'submit' }, 'Search');
  const results = mk('div', { class: 'body', id: 'store-results' });
  const form = mk('form', { id: 'store-form' }, input, ' ', button);
  const section = mk('section', { id: 'store' }, mk('h2', {}, 'Search the store'), form, results);
  main.prepend(section);

  async function search(q) {
    results.replaceChildren(mk('p', { class: 'muted' }, 'Searching…'));
    try {
      const r = await fetch('/v1/search?limit=50&q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' } });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error || r.statusText);
      if (!body.hits.length) { results.replaceChildren(mk('p', { class: 'muted' }, 'No document matches ' + q + '.')); return; }
      const list = mk('ol', { class: 'hits' });
      for (const h of body.hits) {
        const link = mk('a', { href: '#doc=' + encodeURIComponent(h.id), class: 'hit', 'data-hit': h.id }, h.id);
        const item = mk('li', {}, link, ' ', mk('span', { class: 'muted' }, [h.date, h.title].filter(Boolean).join(' · ')), mk('div', { class: 'snippet' }, h.snippet));
        list.append(item);
      }
      results.replaceChildren(mk('p', { class: 'muted' }, body.hits.length + ' document(s), newest first'), list);
    } catch (e) {
      results.replaceChildren(mk('p', { class: 'note error' }, 'Search failed: ' + e.message));
    }
  }
  form.addEventListener('submit', e => { e.preventDefault(); if (input.value.trim()) search(input.value.trim()); });
  // "#s=words" opens the page with a store search, so a link can point at one.
  if (location.hash.startsWith('#s=')) { input.value = decodeURIComponent(location.hash.slice(3)); search(input.value); }

  // ---- new documents ---------------------------------------------------------------------
  const notice = mk('p', { id: 'live-notice', class: 'note', hidden: '' });
  document.body.prepend(notice);
  let seen = null;
  async function poll() {
    try {
      const r = await fetch('/healthz', { headers: { Accept: 'application/json' } });
      if (!r.ok) return;
      const s = await r.json();
      if (seen === null) seen = s.generation;
      else if (s.generation !== seen) {
        notice.replaceChildren('The store changed: ' + s.documents + ' documents now. ', mk('a', { href: location.pathname }, 'Refresh'));
        notice.hidden = false;
      }
    } catch (_) { /* the server is restarting: try again later */ }
  }
  poll();
  setInterval(poll, 5000);
  document.body.setAttribute('data-live', 'true');
})();
