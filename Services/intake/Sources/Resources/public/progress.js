(function () {
  'use strict';
  var form = document.getElementById('progress-form');
  var button = document.getElementById('query');
  var formError = document.getElementById('form-error');
  if (!form || !button || !formError) { return; }
  var IDLE_TEXT = '查询进度';
  var BUSY_TEXT = '正在查询…';
  var NETWORK_MESSAGE = '网络不稳定，请稍后重试';
  var NOT_FOUND_MESSAGE = '未找到该申请，请核对申请编号和手机号后四位';
  var busy = false;

// @include form-helpers.js

  function queryParameter(name) {
    var pairs = window.location.search.replace(/^\?/, '').split('&');
    for (var i = 0; i < pairs.length; i++) {
      var at = pairs[i].indexOf('=');
      var key = at === -1 ? pairs[i] : pairs[i].slice(0, at);
      var raw = at === -1 ? '' : pairs[i].slice(at + 1);
      try {
        if (decodeURIComponent(key) === name) { return decodeURIComponent(raw.replace(/\+/g, ' ')); }
      } catch (e) { /* malformed escape: ignore the pair */ }
    }
    return '';
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  // yyyy-mm-dd hh:mm in the phone's time zone.
  function formatDate(text) {
    var date = new Date(text);
    if (isNaN(date.getTime())) { return String(text || ''); }
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) +
      ' ' + pad(date.getHours()) + ':' + pad(date.getMinutes());
  }

  function hideProgress() { document.getElementById('progress').hidden = true; }

  function showProgress(body) {
    document.getElementById('progress-number').textContent = String(body.applicationNumber || '');
    var status = document.getElementById('status-text');
    status.textContent = String(body.statusText || body.status || '');
    status.className = 'status status-' + String(body.status || '').replace(/[^a-z_]/g, '');
    var reason = body.decisionReason;
    document.getElementById('decision-reason').textContent = reason ? String(reason) : '';
    document.getElementById('decision').hidden = !reason;
    var list = document.getElementById('timeline');
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var steps = Array.isArray(body.timeline) ? body.timeline : [];
    for (var i = 0; i < steps.length; i++) {
      var step = steps[i] || {};
      var item = document.createElement('li');
      var stage = document.createElement('div');
      stage.className = 'stage';
      stage.textContent = String(step.stageName || step.stage || '');
      item.appendChild(stage);
      if (step.at) {
        var time = document.createElement('time');
        time.setAttribute('datetime', String(step.at));
        time.textContent = formatDate(step.at);
        item.appendChild(time);
      }
      if (step.note) {
        var note = document.createElement('div');
        note.className = 'note';
        note.textContent = String(step.note);
        item.appendChild(note);
      }
      list.appendChild(item);
    }
    var panel = document.getElementById('progress');
    panel.hidden = false;
    try { panel.scrollIntoView({ block: 'start' }); } catch (e) { panel.scrollIntoView(); }
  }

  function handle(status, body) {
    if (status === 200 && body && body.applicationNumber) {
      showProgress(body);
      return;
    }
    hideProgress();
    var error = (body && body.error) || {};
    if (status === 404) {
      showFormError(NOT_FOUND_MESSAGE);
      return;
    }
    if (status === 400) {
      var details = Array.isArray(error.details) ? error.details : [];
      if (!details.length && error.field) {
        details = [{ field: error.field, message: serverMessage(body, '填写有误') }];
      }
      showProblems(details.length ? '' : serverMessage(body, '请检查填写的内容'), details);
      return;
    }
    var fallback = '查询没有成功，请稍后重试';
    if (status === 429) { fallback = '查询过于频繁，请稍后再试'; }
    else if (status >= 500) { fallback = '服务暂时不可用，请稍后重试'; }
    showFormError(serverMessage(body, fallback));
  }

  var initial = queryParameter('number');
  if (initial) { document.getElementById('number').value = initial; }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) { return; }
    clearErrors();
    var number = value('number').replace(/\s+/g, '').toUpperCase();
    var last4 = value('phoneLast4').replace(/\s+/g, '');
    var problems = [];
    if (!number) { problems.push({ field: 'number', message: '请输入申请编号' }); }
    if (!last4) { problems.push({ field: 'phoneLast4', message: '请输入手机号后四位' }); }
    if (problems.length) {
      showProblems('', problems);
      return;
    }
    setBusy(true);
    // The digits go in the body of a POST, never in a URL that proxies and logs keep.
    request('POST', '/v1/applications/' + encodeURIComponent(number) + '/progress', { phoneLast4: last4 },
      { 'Content-Type': 'application/json', 'Accept': 'application/json' }
    ).then(function (result) {
      setBusy(false);
      handle(result.status, result.body);
    }, function () {
      setBusy(false);
      hideProgress();
      showFormError(NETWORK_MESSAGE);
    });
  });
})();
