/* livehub console: plain JavaScript, no libraries. Reads /hub/console/api; every changing request carries
   X-Hub-Console: 1 and, where the page has one, the CSRF token. */
(function () {
  'use strict';
  var api = '/hub/console/api';
  var current = null;      // the user whose stream is shown
  var lastShown = '0-0';   // the newest id shown, where the next page and the live tail continue
  var tailTimer = null;

  function $(selector) { return document.querySelector(selector); }

  function say(text, error) {
    var message = $('#message');
    message.textContent = text;
    message.className = error ? 'error' : '';
  }

  function request(method, path, body) {
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      headers['X-Hub-Console'] = '1';
      var header = document.querySelector('meta[name=csrf-header]');
      var token = document.querySelector('meta[name=csrf-token]');
      if (header && token) { headers[header.content] = token.content; }
    }
    return fetch(api + path, { method: method, headers: headers, credentials: 'same-origin',
                               body: body === undefined ? undefined
                                   : typeof body === 'string' ? body : JSON.stringify(body) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) { throw new Error(json.message || ('HTTP ' + response.status)); }
          return json;
        });
      });
  }

  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function linksUp(links) {
    var names = Object.keys(links || {});
    if (names.length === 0) { return 'none needed'; }
    return names.filter(function (name) { return links[name]; }).length + ' of ' + names.length;
  }

  /** Nodes whose heartbeat leaves out each user's streams (too many users): their streams are not counted. */
  function unknownOn(answer) {
    return answer.streamsUnknownOn ? ' (not counted on ' + answer.streamsUnknownOn.join(', ') + ')' : '';
  }

  function loadNodes() {
    return request('GET', '/nodes').then(function (answer) {
      var body = $('#nodes tbody');
      body.textContent = '';
      answer.nodes.forEach(function (node) {
        var row = document.createElement('tr');
        cell(row, node.name + (node.name === answer.self ? ' (answered this page)' : ''));
        cell(row, node.streams);
        cell(row, node.users);
        var links = cell(row, linksUp(node.links));
        if (Object.keys(node.links || {}).some(function (name) { return !node.links[name]; })) { links.className = 'down'; }
        cell(row, node.live ? 'up' : 'down', node.live ? '' : 'down');
        cell(row, node.draining ? 'yes' : 'no');
        body.appendChild(row);
      });
      if (answer.unreachable) { say(answer.unreachable, true); }
    }).catch(function (error) { say('Nodes: ' + error.message, true); });
  }

  function search(match) {
    return request('GET', '/users?match=' + encodeURIComponent(match || '*')).then(function (answer) {
      var body = $('#users tbody');
      body.textContent = '';
      answer.users.forEach(function (user) {
        var row = document.createElement('tr');
        var link = document.createElement('a');
        link.href = '#user=' + encodeURIComponent(user.user);
        link.textContent = user.user;
        link.addEventListener('click', function (event) { event.preventDefault(); openStream(user.user); });
        var td = document.createElement('td');
        td.appendChild(link);
        row.appendChild(td);
        cell(row, user.length);
        cell(row, user.lastId);
        cell(row, user.streams);
        body.appendChild(row);
      });
      if (answer.users.length === 0) { say('No user stream matches ' + match); }
    }).catch(function (error) { say('Users: ' + error.message, true); });
  }

  function showEntries(answer) {
    var body = $('#entries tbody');
    answer.entries.forEach(function (entry) {
      var row = document.createElement('tr');
      row.dataset.id = entry.id;
      cell(row, entry.id);
      cell(row, entry.event);
      cell(row, entry.data, 'data');
      body.appendChild(row);
      lastShown = entry.id;
    });
    $('#more').hidden = !answer.more;
    $('#stream-summary').textContent = 'last id ' + answer.lastId + ', ' + answer.streams
        + ' open streams on every node' + unknownOn(answer) + '.';
  }

  function page() {
    return request('GET', '/users/' + encodeURIComponent(current) + '/entries?after=' + lastShown + '&count=50')
      .then(showEntries)
      .catch(function (error) { say('Stream: ' + error.message, true); });
  }

  function openStream(user) {
    current = user;
    lastShown = '0-0';
    $('#stream').hidden = false;
    $('#stream-user').textContent = user;
    $('#entries tbody').textContent = '';
    $('#tail').checked = false;
    tail(false);
    return page();
  }

  /** The live tail asks for what follows the newest entry shown, every second, while it is on. */
  function tail(on) {
    if (tailTimer) { clearInterval(tailTimer); tailTimer = null; }
    if (on) {
      tailTimer = setInterval(function () { if ($('#more').hidden) { page(); } }, 1000);
    }
  }

  function formValue(form, name) { return form.elements[name].value.trim(); }

  $('#search').addEventListener('submit', function (event) {
    event.preventDefault();
    search(formValue(event.target, 'match'));
  });
  $('#more').addEventListener('click', page);
  $('#tail').addEventListener('change', function (event) { tail(event.target.checked); });

  $('#replay').addEventListener('submit', function (event) {
    event.preventDefault();
    var from = formValue(event.target, 'from');
    var path = '/users/' + encodeURIComponent(current) + '/replay';
    request('POST', path, { from: from, confirm: false }).then(function (preview) {
      if (preview.entries === 0) { say('Nothing to replay from ' + from); return null; }
      if (!window.confirm('Replay ' + preview.entries + ' entries to ' + preview.streams
          + ' open streams of user ' + current + ' on every node' + unknownOn(preview)
          + '? They are appended again, with new ids.')) {
        say('Replay cancelled');
        return null;
      }
      return request('POST', path, { from: from, confirm: true }).then(function (done) {
        say('Replayed ' + done.appended + ' entries to user ' + current);
        return page();
      });
    }).catch(function (error) { say('Replay: ' + error.message, true); });
  });

  $('#trim').addEventListener('submit', function (event) {
    event.preventDefault();
    var keep = parseInt(formValue(event.target, 'maxEntries'), 10);
    if (!window.confirm('Trim the stream of user ' + current + ' to its newest ' + keep + ' entries?'
        + ' Clients behind them get a reset.')) { return; }
    request('POST', '/users/' + encodeURIComponent(current) + '/trim', { maxEntries: keep }).then(function (done) {
      say('Trimmed ' + done.removed + ' entries of user ' + current);
      return openStream(current);
    }).catch(function (error) { say('Trim: ' + error.message, true); });
  });

  $('#publish').addEventListener('submit', function (event) {
    event.preventDefault();
    // The data goes as typed, not parsed and written again: the hub refuses a key twice and keeps 1e400 as 1e400.
    var data = formValue(event.target, 'data');
    try { JSON.parse(data); }
    catch (error) { say('Publish: data is not JSON (' + error.message + ')', true); return; }
    request('POST', '/users/' + encodeURIComponent(current) + '/publish',
            '{"event":' + JSON.stringify(formValue(event.target, 'event')) + ',"data":' + data + '}')
      .then(function (done) {
      say('Published ' + done.id + ' to user ' + current);
      if (!tailTimer) { return page(); }
      return null;
    }).catch(function (error) { say('Publish: ' + error.message, true); });
  });

  loadNodes();
  setInterval(loadNodes, 5000);
  search('*');
}());
