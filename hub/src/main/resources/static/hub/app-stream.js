/*
 * AppStream: the one Server-Sent Events stream of a page, as a small bus. Plain JavaScript, no library.
 *
 *   AppStream.start({ user: '42' });                 // once, from the page layout
 *   AppStream.start({ user: '42', token: () => fetch('/hub-token').then(r => r.text()) });  // without a session
 *   AppStream.start({ user: '42', compact: true });  // after a long absence, the latest state of each record
 *   AppStream.start({ user: '42', lastId: '1732400000000-0' });  // the stream's position the page was rendered at
 *   const off = AppStream.on('crud.update', fn);     // fn(data, { id, topic }); off() unsubscribes
 *   AppStream.liveIndex({ model: 'Task', table: '#crud-table', row: id => '#row-' + id, cells: { state: '.cell-state' },
 *                         format: { state: v => labels[v] } });   // data-sort / data-filter in the table: see liveIndex
 *
 * A 401, or a redirect to another page (a login form, where an application's security redirects), means the user is
 * signed out: 'signed-out'. A 403 bad_user (a user id the hub cannot address, longer than 256 characters, say) is
 * just as permanent: the client stops and its status is 'unavailable' (live updates are off for this user; the page
 * still works).
 *
 * Topics: the server's events (crud.create, crud.update, crud.delete, notif, any other name), 'ready' and 'reset'
 * (reload what you show), 'compacted' ({entries, events}: a long backlog came folded), and the client's own 'status'
 * ({state: connecting|live|polling|offline|signed-out|unavailable}, with retryAt in epoch ms when offline) and 'signed-out'.
 *
 * With { lastId }, the stream's last id read by the server before it read the page's data, the page misses nothing
 * published while it loaded: a tab with its own connection resumes from that id; a tab that follows another tab's
 * stream gets a 'reset' (reload what you show) if that stream is already past it.
 *
 * With { compact: true }, a tab that comes back far behind (more than the hub's compact-above entries) gets, for each
 * record, one crud event with its latest state instead of every step: updates merged, a create then a delete dropped.
 * A folded event that comes before an earlier entry's record carries no id (AppStream hands it on with id ''), so a
 * connection cut in the middle resumes from a position that loses nothing and may repeat a record's latest state.
 *
 * With { token }, a function returning a subscriber token (a JWT your backend signs) or a promise of one, the stream
 * is opened with ?token= instead of the session cookie; when the hub says the token expired (auth-expired, or a 401)
 * the client asks for a new one once and reconnects from the last id, and emits 'signed-out' only if that fails too.
 *
 * Tabs of one user share ONE connection where the browser allows: a leader tab, elected with the Web Locks API, holds
 * the EventSource and relays events to the other tabs over a BroadcastChannel; when it closes, another tab takes the
 * lock and resumes from the last id. Web Locks need a secure context (HTTPS or localhost); elsewhere every tab holds
 * its own connection.
 */
(function (global) {
  'use strict';

  var STANDARD_TOPICS = ['ready', 'reset', 'crud.create', 'crud.update', 'crud.delete', 'notif', 'auth-expired',
    'compacted'];
  var LOCAL_TOPICS = { status: true, 'signed-out': true };
  var MAX_BACKOFF_MS = 10000;
  var STUCK_CONNECTING_MS = 4000;
  var CONNECT_TIMEOUT_MS = 8000;
  var FAILURES_BEFORE_POLLING = 5;
  var POLL_INTERVAL_MS = 3000;

  var trail = [];             // the last things that happened, for AppStream.debug()
  var handlers = {};          // topic -> array of functions
  var remoteTopics = {};      // topics other tabs listen to (the leader listens for them)
  var s = {
    user: null, url: '/stream/app', pollUrl: '/stream/app/poll',
    started: false, stopped: false, role: 'none',
    lastId: null, source: null, listened: {},
    channel: null, failures: 0, timer: null, watchdog: null, watched: null, polls: 0, status: null,
    tokenSource: null, token: null, tokenRenewed: false, compact: false,
    pageId: null, acceptedAny: false, checkedBehind: false
  };

  // Each tab has an origin id, sent with its own requests, so that it can skip the echo of its own changes.
  var origin = (function () {
    try {
      var known = global.sessionStorage.getItem('appstream:origin');
      if (known) { return known; }
      var fresh = randomId();
      global.sessionStorage.setItem('appstream:origin', fresh);
      return fresh;
    } catch (e) {
      return randomId();
    }
  })();

  // A random id for this tab, the same across its pages: the hub ends the tab's previous stream when the next page
  // opens one (?tab=), so a tab that navigates is never refused for the streams it left behind. It sits in
  // sessionStorage only while no page of the tab holds it (taken at load, put back at pagehide), so a duplicated tab,
  // which copies sessionStorage, gets an id of its own.
  var tabId = (function () {
    var key = 'appstream:tab';
    var id = null;
    try {
      id = global.sessionStorage.getItem(key);
      global.sessionStorage.removeItem(key);
    } catch (e) { /* no storage: a fresh id per page */ }
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) { id = unguessableId(); }
    if (global.addEventListener) {
      global.addEventListener('pagehide', function () {
        try { global.sessionStorage.setItem(key, id); } catch (e) { /* as above */ }
      });
    }
    return id;
  })();

  // The tab id ends streams: it must not be guessable by another page.
  function unguessableId() {
    var bytes = new Uint8Array(16);
    if (global.crypto && global.crypto.getRandomValues) {
      global.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    var hex = '';
    for (var j = 0; j < bytes.length; j++) { hex += (bytes[j] < 16 ? '0' : '') + bytes[j].toString(16); }
    return hex;
  }

  function randomId() {
    return Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  }

  // ---- the bus

  function on(topic, handler) {
    (handlers[topic] = handlers[topic] || []).push(handler);
    listen(topic);
    if (s.role === 'follower' && !LOCAL_TOPICS[topic]) { post({ t: 'topics', topics: [topic] }); }
    return function off() {
      var list = handlers[topic] || [];
      var at = list.indexOf(handler);
      if (at >= 0) { list.splice(at, 1); }
    };
  }

  // While the page is still parsing, its later scripts have not subscribed yet (liveIndex, the bell): what arrives
  // then (a 'reset' from the leader tab, an event of a quick catch-up) waits until they have, at DOMContentLoaded.
  var held = null;

  function emit(topic, data, id) {
    if (global.document && global.document.readyState === 'loading') {
      if (!held) {
        held = [];
        global.document.addEventListener('DOMContentLoaded', function () {
          var queued = held;
          held = null;
          queued.forEach(function (e) { deliver(e.topic, e.data, e.id); });
        });
      }
      held.push({ topic: topic, data: data, id: id });
      return;
    }
    deliver(topic, data, id);
  }

  function deliver(topic, data, id) {
    (handlers[topic] || []).slice().forEach(function (handler) {
      try {
        handler(data, { id: id, topic: topic });
      } catch (e) {
        // One broken subscriber never stops the others.
        console.error('AppStream: a "' + topic + '" handler failed', e);
      }
    });
  }

  // ---- ids and the cursor

  function parseId(id) {
    var m = /^(\d+)-(\d+)$/.exec(id || '');
    return m ? [Number(m[1]), Number(m[2])] : null;
  }

  function isAfter(a, b) {
    var x = parseId(a), y = parseId(b);
    if (!x || !y) { return true; }
    return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
  }

  function storageKey() {
    return 'appstream:last:' + s.user;   // per user: never shared between users of one browser
  }

  function setLastId(id) {
    if (!id) { return; }
    s.lastId = id;
    if (s.role !== 'follower') {
      try { global.localStorage.setItem(storageKey(), id); } catch (e) { /* private mode */ }
    }
  }

  function storedLastId() {
    try { return global.localStorage.getItem(storageKey()); } catch (e) { return s.lastId; }
  }

  // An event from the stream, a poll or the leader. Ids at or below the cursor were seen already.
  function note(what) {
    trail.push(new Date().toISOString().slice(11, 23) + ' ' + what);
    if (trail.length > 50) { trail.shift(); }
  }

  function accept(topic, id, text) {
    // The hub's own events may repeat the id of the entry before them ('compacted' closes a folded backlog).
    var own = topic === 'ready' || topic === 'reset' || topic === 'compacted';
    if (!own && id && s.lastId && !isAfter(id, s.lastId)) { note('dropped ' + topic + ' ' + id + ' (seen)'); return; }
    note('event ' + topic + ' ' + id);
    if (id) { setLastId(id); s.acceptedAny = true; }
    var data = text;
    try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON: hand over the text */ }
    if (s.role === 'leader') { post({ t: 'ev', topic: topic, id: id, text: text }); }
    if (topic === 'auth-expired') { authExpired(); return; }
    emit(topic, data, id);
  }

  // 'offline' carries retryAt (epoch ms of the next attempt), so a page can say "offline, retrying in N s".
  function setStatus(state, retryAt) {
    if (s.status === state && s.retryAt === retryAt) { return; }
    note('status ' + state);
    s.status = state;
    s.retryAt = retryAt;
    if (s.role === 'leader') { post({ t: 'status', state: state, lastId: s.lastId, retryAt: retryAt }); }
    emit('status', retryAt ? { state: state, retryAt: retryAt } : { state: state });
  }

  // ---- tabs: leader election and relay

  function shareable() {
    return !!(global.isSecureContext && global.navigator && global.navigator.locks && global.BroadcastChannel);
  }

  function post(message) {
    if (s.channel) {
      try { s.channel.postMessage(message); } catch (e) { /* closing */ }
    }
  }

  function onChannel(e) {
    var m = e.data || {};
    if (m.t === 'ev' && s.role === 'follower') {
      accept(m.topic, m.id, m.text);
    } else if (m.t === 'status' && s.role === 'follower') {
      behindTheLeader(m.lastId);
      setStatus(m.state, m.retryAt);
    } else if (m.t === 'signed-out' && s.role === 'follower' && !s.tokenSource) {
      signedOut();
    } else if (m.t === 'topics' && s.role === 'leader') {
      (m.topics || []).forEach(function (topic) { remoteTopics[topic] = true; listen(topic); });
    } else if (m.t === 'hello' && s.role === 'leader') {
      post({ t: 'status', state: s.status, lastId: s.lastId });
    } else if (m.t === 'leader' && s.role === 'follower') {
      post({ t: 'topics', topics: Object.keys(handlers).filter(function (t) { return !LOCAL_TOPICS[t]; }) });
    }
  }

  // A follower's page was rendered at s.pageId; what the leader's stream received between that and the moment this tab
  // joined never reached it: reload what it shows, once.
  function behindTheLeader(leaderId) {
    if (s.checkedBehind || !s.pageId || !leaderId) { return; }
    s.checkedBehind = true;
    if (isAfter(leaderId, s.lastId)) {
      note('page at ' + s.pageId + ', shared stream at ' + leaderId + ': reset');
      s.lastId = leaderId;
      emit('reset', { reason: 'behind', last_id: leaderId }, leaderId);
    }
  }

  function becomeLeader() {
    s.role = 'leader';
    // A tab that received nothing yet resumes from the position its page was rendered at; otherwise from the newest id
    // any tab of this user saw.
    s.lastId = s.pageId && !s.acceptedAny ? s.pageId : (storedLastId() || s.lastId);
    post({ t: 'leader' });
    connect();
    // Held until the tab goes away; then the browser hands the lock to the next tab.
    return new Promise(function () {});
  }

  // ---- the connection (leader or solo tab)

  function listen(topic) {
    if (!s.source || s.listened[topic] || LOCAL_TOPICS[topic]) { return; }
    s.listened[topic] = true;
    var source = s.source;
    source.addEventListener(topic, function (e) {
      if (source !== s.source) { return; }
      // An event sent without an id: line carries the previous event's lastEventId (the SSE spec keeps it). The hub
      // sends folded events of a compacted catch-up so when their id is no position to resume from: never store it.
      var id = e.lastEventId === source.lastEventSeen ? '' : e.lastEventId;
      source.lastEventSeen = e.lastEventId;
      accept(topic, id, e.data);
    });
  }

  // ---- subscriber tokens

  function withToken(url) {
    if (!s.token) { return url; }
    return url + (url.indexOf('?') < 0 ? '?' : '&') + 'token=' + encodeURIComponent(s.token);
  }

  // Asks the page's token function for a fresh token, then goes on with next(); a failure counts as a failed connect.
  function renewToken(next) {
    note('token requested');
    Promise.resolve().then(s.tokenSource).then(function (token) {
      if (!token) { throw new Error('the token function returned nothing'); }
      s.token = String(token).trim();
      next();
    }).catch(function (e) {
      console.warn('AppStream: getting a subscriber token failed', e);
      s.failures++;
      later(function () { renewToken(next); }, backoff());
    });
  }

  // The hub refused the token (expired, or a 401): one fresh token, then signed out if that is refused too.
  function tokenRefused() {
    if (!s.tokenSource || s.tokenRenewed) { signedOut(); return; }
    s.tokenRenewed = true;
    s.token = null;
    closeSource();
    if (s.role !== 'follower') { renewToken(connect); }
  }

  function authExpired() {
    if (!s.tokenSource) { signedOut(); return; }
    // The stream ended at the token's expiry, as planned: not a failure.
    s.tokenRenewed = false;
    tokenRefused();
  }

  function connect() {
    if (s.stopped) { return; }
    clearTimeout(s.timer);
    closeSource();
    if (s.tokenSource && !s.token) {
      renewToken(connect);
      return;
    }
    if (!global.EventSource || s.failures >= FAILURES_BEFORE_POLLING) {
      startPolling();
      return;
    }
    var query = ['tab=' + tabId];
    if (s.lastId) { query.push('last_id=' + encodeURIComponent(s.lastId)); }
    if (s.compact) { query.push('compact=1'); }
    var url = withToken(s.url + (query.length ? '?' + query.join('&') : ''));
    note('connect ' + url);
    var source = new global.EventSource(url, { withCredentials: true });
    s.source = source;
    s.listened = {};
    setStatus('connecting');
    STANDARD_TOPICS.concat(Object.keys(handlers), Object.keys(remoteTopics)).forEach(listen);
    // A request that neither opens nor fails (a connection left hanging by a server going away) would wait
    // forever: give it a deadline, then take over.
    takeOverUnlessOpen(source, CONNECT_TIMEOUT_MS);
    source.onopen = function () {
      clearTimeout(s.watchdog);
      s.watched = null;
      s.failures = 0;
      s.tokenRenewed = false;
      setStatus('live');
    };
    source.onerror = function () {
      if (source !== s.source) { return; }
      note('error, readyState ' + source.readyState);
      if (source.readyState === global.EventSource.CLOSED) {
        // The browser gave up for good (a 401, a 502/503 from a proxy during a deploy, ...): find out why and
        // come back ourselves, with backoff and jitter, from the last id.
        closeSource();
        probe();
      } else {
        // The browser reconnects by itself, with Last-Event-ID, but how soon after repeated network errors is up
        // to it: if it is not back in a few seconds, take over.
        setStatus('connecting');
        takeOverUnlessOpen(source, STUCK_CONNECTING_MS);
      }
    };
  }

  // Armed once per connection attempt: the browser's own retries must not keep pushing the deadline back.
  function takeOverUnlessOpen(source, ms) {
    if (s.watched === source) { return; }
    clearTimeout(s.watchdog);
    s.watched = source;
    s.watchdog = setTimeout(function () {
      if (source === s.source && source.readyState !== global.EventSource.OPEN) {
        closeSource();
        probe();
      }
    }, ms);
  }

  function closeSource() {
    clearTimeout(s.watchdog);
    s.watched = null;
    if (s.source) {
      s.source.close();
      s.source = null;
    }
  }

  function backoff() {
    var base = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, s.failures));
    return Math.round(base * (0.5 + Math.random()));
  }

  function later(fn, ms) {
    clearTimeout(s.timer);
    s.timer = setTimeout(fn, ms);
  }

  // One poll: catches up at once, and tells a signed-out user from a server that is away.
  function poll() {
    if (s.tokenSource && !s.token) {
      return new Promise(function (resolve) { renewToken(function () { resolve(true); }); });
    }
    var url = withToken(s.pollUrl + (s.lastId ? '?last_id=' + encodeURIComponent(s.lastId) : ''));
    return global.fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (response.status === 401 || redirectedElsewhere(response, url)) { tokenRefused(); return false; }
        if (response.status === 403) { return refused(response); }
        s.tokenRenewed = false;
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.json().then(function (body) {
          if (body.reset) {
            accept('reset', body.last_id, JSON.stringify({ reason: 'poll', last_id: body.last_id }));
          } else if (!s.lastId) {
            setLastId(body.last_id);
          }
          (body.events || []).forEach(function (e) { accept(e.event, e.id, e.data); });
          return true;
        });
      });
  }

  // A request that a redirect took to another page (an application's login form, once the session has ended, when
  // its security answers the hub's paths with a redirect instead of a 401) means the user is signed out: polling
  // again would only ever get that form.
  function redirectedElsewhere(response, requested) {
    if (!response.redirected) { return false; }
    var base = global.location.href;
    return new global.URL(response.url, base).pathname !== new global.URL(requested, base).pathname;
  }

  function probe() {
    // A page being left sees its stream fail as the browser cancels it: no reason to poll (a poll counts against the
    // user's connect rate, like the next page's stream). If the page stays after all, it probes a moment later.
    if (s.leaving && Date.now() - s.leaving < 3000) { later(probe, 1000); return; }
    setStatus('connecting');
    poll().then(function (ok) {
      if (ok) { s.failures++; later(connect, backoff()); }
    }, function () {
      // The server did not answer at all: offline until the next attempt.
      s.failures++;
      var wait = backoff();
      setStatus('offline', Date.now() + wait);
      later(connect, wait);
    });
  }

  function startPolling() {
    setStatus('polling');
    poll().then(function (ok) {
      if (!ok) { return; }
      s.polls++;
      // Now and then, try the stream again.
      if (global.EventSource && s.polls % 10 === 0) { s.failures = 0; later(connect, POLL_INTERVAL_MS); }
      else { later(startPolling, POLL_INTERVAL_MS); }
    }, function () {
      later(startPolling, backoff());
    });
  }

  // A 403 bad_user does not change with retrying: stop for good. Any other 403 counts as a failure, with backoff.
  function refused(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (!body || body.error !== 'bad_user') { throw new Error('HTTP 403'); }
      unavailable();
      return false;
    });
  }

  function unavailable() {
    if (s.stopped) { return; }
    s.stopped = true;
    clearTimeout(s.timer);
    closeSource();
    setStatus('unavailable');
  }

  function signedOut() {
    if (s.stopped) { return; }
    s.stopped = true;
    clearTimeout(s.timer);
    closeSource();
    if (s.role === 'leader') { post({ t: 'signed-out' }); }
    setStatus('signed-out');
    emit('signed-out', {});
  }

  function wake() {
    if (s.stopped || s.role === 'follower' || !s.started) { return; }
    if (!s.source || s.source.readyState === global.EventSource.CLOSED) {
      s.failures = 0;
      connect();
    }
  }

  // ---- start

  var warned = false;

  function start(options) {
    if (s.started) { return; }
    options = options || {};
    if (!options.user) { throw new Error('AppStream.start needs { user }: the signed-in user id'); }
    s.started = true;
    s.user = String(options.user);
    s.url = options.url || s.url;
    s.pollUrl = options.pollUrl || s.pollUrl;
    if (options.token !== undefined && typeof options.token !== 'function') {
      throw new Error('AppStream.start: { token } is a function that returns a token (or a promise of one)');
    }
    s.tokenSource = options.token || null;
    s.compact = options.compact === true;
    s.pageId = options.lastId && parseId(String(options.lastId)) ? String(options.lastId) : null;
    s.lastId = s.pageId || storedLastId();
    global.document.addEventListener('visibilitychange', function () {
      if (global.document.visibilityState === 'visible') { wake(); }
    });
    global.addEventListener('online', wake);
    global.addEventListener('pagehide', closeSource);
    global.addEventListener('beforeunload', function () { s.leaving = Date.now(); });
    // Forms carry this tab's origin, so the change they make does not refresh this tab twice.
    global.document.addEventListener('submit', function (e) {
      var form = e.target;
      if (form && form.method && form.method.toLowerCase() === 'post' && !form.querySelector('input[name="_hub_origin"]')) {
        var input = global.document.createElement('input');
        input.type = 'hidden';
        input.name = '_hub_origin';
        input.value = origin;
        form.appendChild(input);
      }
    }, true);
    if (shareable()) {
      s.role = 'follower';
      s.channel = new global.BroadcastChannel('appstream:' + s.user);
      s.channel.onmessage = onChannel;
      post({ t: 'hello' });
      post({ t: 'topics', topics: Object.keys(handlers).filter(function (t) { return !LOCAL_TOPICS[t]; }) });
      global.navigator.locks.request('appstream:' + s.user, becomeLeader);
    } else {
      if (!warned) {
        warned = true;
        console.info('AppStream: Web Locks or BroadcastChannel unavailable (they need HTTPS or localhost); '
          + 'this tab opens its own connection');
      }
      s.role = 'solo';
      connect();
    }
  }

  // ---- live index pages

  function liveIndex(options) {
    var model = options.model;
    var tableSelector = options.table || '#crud-table';
    var rowSelector = options.row || function (id) {
      return '#row-' + (global.CSS && global.CSS.escape ? global.CSS.escape(String(id)) : id);
    };
    var cells = options.cells || {};
    var format = options.format || {};
    var inFlight = false, trailing = false, whenVisible = false, whenIdle = false;
    var touched = {};   // ids of rows changed or created since the last refresh: highlighted once it lands

    function mine(event) {
      // The hub stamps the publishing user on the origin: another user re-sending this tab's id does not match.
      return event && event.model === model && !(event.origin && event.origin === s.user + '/' + origin);
    }

    function container() {
      return global.document.querySelector(tableSelector);
    }

    // The row on screen, or null: an id that makes no valid selector is a row to refresh, not an error.
    function rowOf(id) {
      try {
        return global.document.querySelector(rowSelector(id));
      } catch (e) {
        console.warn('AppStream.liveIndex: no row selector for id ' + JSON.stringify(id), e);
        return null;
      }
    }

    function editing() {
      var table = container();
      var active = global.document.activeElement;
      return !!(table && active && table.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
    }

    // The fields the table is sorted or filtered by (data-sort, data-filter on an element inside it): a change to
    // one of them may move the row, to another place or another page, so the table is refreshed, not patched.
    function ordering() {
      var table = container();
      var marked = table && table.querySelector('[data-sort], [data-filter]');
      if (!marked) { return []; }
      return ((marked.getAttribute('data-sort') || '') + ',' + (marked.getAttribute('data-filter') || ''))
        .split(',').map(function (name) { return name.trim(); }).filter(Boolean);
    }

    function highlight(row) {
      row.classList.remove('flash-row');
      void row.offsetWidth;   // restarts the highlight animation
      row.classList.add('flash-row');
    }

    // A cell shows a field's text (format[name] turns the value into it) in its '.value' element, or in itself; its
    // data-value attribute and a <time>'s datetime keep the raw value, for styles and for the page's own scripts.
    function updateRow(row, fields) {
      Object.keys(fields).forEach(function (name) {
        var cell = cells[name] && row.querySelector(cells[name]);
        if (!cell) { return; }
        var value = fields[name] == null ? '' : String(fields[name]);
        var target = cell.querySelector('.value') || cell;
        cell.setAttribute('data-value', value);
        if (target.tagName === 'TIME') { target.setAttribute('datetime', value); }
        target.textContent = format[name] ? format[name](value) : value;
      });
      highlight(row);
    }

    // What had focus in the table, to find it again in the fresh one: its id, else its link target.
    function focusKey(table) {
      var active = global.document.activeElement;
      if (!active || !table.contains(active)) { return null; }
      if (active.id) { return '#' + global.CSS.escape(active.id); }
      var href = active.getAttribute('href');
      return href ? '[href="' + global.CSS.escape(href) + '"]' : null;
    }

    function swap(html) {
      var table = container();
      if (!table) { return; }
      var fresh = new global.DOMParser().parseFromString(html, 'text/html').querySelector(tableSelector);
      if (!fresh) { return; }
      var x = global.scrollX, y = global.scrollY;
      var focus = focusKey(table);
      var before = {};
      table.querySelectorAll('tr[id]').forEach(function (row) { before[row.id] = true; });
      table.innerHTML = fresh.innerHTML;
      global.scrollTo(x, y);
      var again = focus && table.querySelector(focus);
      if (again) { again.focus(); }
      var changed = touched;
      touched = {};
      table.querySelectorAll('tr[id]').forEach(function (row) {
        if (!before[row.id] || changed[row.id]) { highlight(row); }
      });
      table.dispatchEvent(new global.CustomEvent('appstream:refreshed', { bubbles: true }));
    }

    // At most one refresh in flight and one trailing; a hidden tab refreshes once when shown; a table being
    // edited is not replaced under the user's hands.
    function refresh() {
      if (global.document.hidden) { whenVisible = true; return; }
      if (editing()) { whenIdle = true; return; }
      if (inFlight) { trailing = true; return; }
      inFlight = true;
      global.fetch(global.location.href, {
        credentials: 'same-origin',
        headers: { 'X-Requested-With': 'XMLHttpRequest', 'X-Hub-Origin': origin }
      }).then(function (response) {
        if (response.status === 401 || redirectedElsewhere(response, global.location.href)) {
          signedOut();
          return null;
        }
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html !== null) { swap(html); }
      }).catch(function (e) {
        console.error('AppStream: refreshing ' + tableSelector + ' failed', e);
      }).then(function () {
        inFlight = false;
        if (trailing) { trailing = false; refresh(); }
      });
    }

    on('crud.update', function (event) {
      if (!mine(event)) { return; }
      var row = rowOf(event.id);
      var moves = event.fields && ordering().some(function (name) { return name in event.fields; });
      if (event.fields && row && !moves) {
        updateRow(row, event.fields);
      } else {
        if (row) { touched[row.id] = true; }
        refresh();
      }
    });
    on('crud.create', function (event) { if (mine(event)) { refresh(); } });
    on('crud.delete', function (event) {
      if (!mine(event)) { return; }
      var row = rowOf(event.id);
      if (!row) { refresh(); return; }
      // The row fades out (the page's 'removing' style), then the table refreshes (the next row moves up).
      var done = false;
      function then() { if (!done) { done = true; refresh(); } }
      row.classList.add('removing');
      row.addEventListener('animationend', then);
      setTimeout(then, 600);
    });
    on('reset', refresh);
    global.document.addEventListener('visibilitychange', function () {
      if (!global.document.hidden && whenVisible) { whenVisible = false; refresh(); }
    });
    global.document.addEventListener('focusout', function () {
      setTimeout(function () {
        if (whenIdle && !editing()) { whenIdle = false; refresh(); }
      }, 0);
    });
    return { refresh: refresh };
  }

  // fetch() with this tab's origin id, for changes made from script.
  function appFetch(url, init) {
    init = init || {};
    var headers = new global.Headers(init.headers || {});
    headers.set('X-Hub-Origin', origin);
    init.headers = headers;
    init.credentials = init.credentials || 'same-origin';
    return global.fetch(url, init);
  }

  global.AppStream = {
    start: start,
    on: on,
    liveIndex: liveIndex,
    fetch: appFetch,
    origin: origin,
    role: function () { return s.role; },
    lastId: function () { return s.lastId; },
    status: function () { return s.status; },
    // What the client did lately: connects, errors, status changes, events; for a developer's console.
    debug: function () { return trail.slice(); }
  };
})(window);
