/*
 * The app's own page behaviour, over AppStream: the bell, the live-updates badge, toasts, times in the viewer's time
 * zone, delete confirmations. Plain JavaScript; every page loads it after /hub/app-stream.js.
 */
(function (global) {
  'use strict';

  var document = global.document;
  // On a phone the toasts sit over the page's bottom: one at a time there, three beside the content on wide screens.
  var narrow = global.matchMedia ? global.matchMedia('(max-width: 40rem)') : { matches: false };
  var TOAST_MS = 6000;
  var timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  // ---- times: <time datetime="2026-01-02T03:04:05Z"> shows in the viewer's zone and language

  function formatTime(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? iso : timeFormat.format(date);
  }

  function times(root) {
    (root || document).querySelectorAll('time[datetime]').forEach(function (time) {
      time.textContent = formatTime(time.getAttribute('datetime'));
      time.title = time.getAttribute('datetime');
    });
  }

  // ---- toasts: at most a few, the rest counted in "+N more"; each one dismissable

  var hidden = 0;

  function toasts() {
    return document.getElementById('toasts');
  }

  function toast(text) {
    var box = toasts();
    if (!box) { return; }
    var shown = box.querySelectorAll('.toast:not(.more)');
    if (shown.length >= (narrow.matches ? 1 : 3)) {
      hidden++;
      more(box);
      return;
    }
    var item = document.createElement('div');
    item.className = 'toast';
    var message = document.createElement('span');
    message.textContent = text;
    var close = document.createElement('button');
    close.type = 'button';
    close.className = 'dismiss';
    close.setAttribute('aria-label', 'Dismiss');
    close.textContent = '×';
    close.addEventListener('click', function () { dismiss(item); });
    item.appendChild(message);
    item.appendChild(close);
    box.insertBefore(item, box.querySelector('.more'));
    item.timer = setTimeout(function () { dismiss(item); }, TOAST_MS);
  }

  function more(box) {
    var summary = box.querySelector('.more');
    if (!summary) {
      summary = document.createElement('div');
      summary.className = 'toast more';
      var link = document.createElement('a');
      link.href = '/notifications';
      var close = document.createElement('button');
      close.type = 'button';
      close.className = 'dismiss';
      close.setAttribute('aria-label', 'Dismiss');
      close.textContent = '×';
      close.addEventListener('click', function () { hidden = 0; summary.remove(); });
      summary.appendChild(link);
      summary.appendChild(close);
      box.appendChild(summary);
    }
    summary.querySelector('a').textContent = '+' + hidden + ' more';
  }

  function dismiss(item) {
    clearTimeout(item.timer);
    item.remove();
    var box = toasts();
    if (box && !box.querySelector('.toast:not(.more)')) {
      hidden = 0;
      var summary = box.querySelector('.more');
      if (summary) { summary.remove(); }
    }
  }

  // ---- the bell and the badge

  function setUnread(count) {
    var bell = document.getElementById('bell');
    if (!bell) { return; }
    document.getElementById('bell-count').textContent = count;
    bell.setAttribute('aria-label', count === 1 ? '1 unread notification' : count + ' unread notifications');
    bell.classList.toggle('has-unread', count > 0);
  }

  var countdown = null;

  function showStatus(status) {
    var badge = document.getElementById('stream-state');
    clearInterval(countdown);
    badge.dataset.state = status.state;
    if (status.state === 'offline' && status.retryAt) {
      var tick = function () {
        var seconds = Math.max(0, Math.ceil((status.retryAt - Date.now()) / 1000));
        badge.textContent = seconds > 0 ? 'offline, retrying in ' + seconds + ' s' : 'offline, retrying';
      };
      tick();
      countdown = setInterval(tick, 1000);
    } else {
      badge.textContent = status.state === 'signed-out' ? 'signed out'
        : status.state === 'unavailable' ? 'live updates unavailable' : status.state;
    }
  }

  function start(user, renderedAt) {
    AppStream.start({ user: user, lastId: renderedAt, compact: true });
    AppStream.on('notif', function (n) {
      if (typeof n.unread === 'number') { setUnread(n.unread); }
      (n.items || []).forEach(function (item) { toast(item.title + ': ' + item.body); });
    });
    AppStream.on('reset', function () {
      fetch('/api/notifications/unread', { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body) { setUnread(body.unread); } });
    });
    AppStream.on('status', showStatus);
    AppStream.on('signed-out', function () {
      document.getElementById('signed-out').hidden = false;
    });
  }

  // Forms that destroy something ask first (data-confirm="Delete this task?").
  document.addEventListener('submit', function (e) {
    var question = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (question && !global.confirm(question)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);

  document.addEventListener('DOMContentLoaded', function () { times(document); });
  document.addEventListener('appstream:refreshed', function (e) { times(e.target); });

  global.LiveApp = { start: start, toast: toast, times: times, formatTime: formatTime, setUnread: setUnread };
})(window);
