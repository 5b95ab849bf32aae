(function () {
  'use strict';
  var form = document.getElementById('application-form');
  var button = document.getElementById('submit');
  var formError = document.getElementById('form-error');
  if (!form || !button || !formError) { return; }
  var IDLE_TEXT = '提交申请';
  var BUSY_TEXT = '正在提交…';
  var NETWORK_MESSAGE = '网络不稳定，请稍后重试（不会重复提交）';
  var busy = false;
  // One key per page load, reused on every retry: a double tap or a resubmission after a lost
  // answer gives the same application.
  var idempotencyKey = newKey();

  function newKey() {
    var c = window.crypto;
    var i;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (e) { /* only in secure contexts */ }
    }
    var bytes = [];
    if (c && typeof c.getRandomValues === 'function') {
      var buffer = new Uint8Array(16);
      c.getRandomValues(buffer);
      for (i = 0; i < buffer.length; i++) { bytes.push(buffer[i]); }
    } else {
      for (i = 0; i < 16; i++) { bytes.push(Math.floor(Math.random() * 256)); }
    }
    var hex = '';
    for (i = 0; i < bytes.length; i++) { hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); }
    return hex;
  }

// @include form-helpers.js

  function collect() {
    var checked = form.querySelectorAll('input[name="difficulties"]:checked');
    var difficulties = [];
    for (var i = 0; i < checked.length; i++) { difficulties.push(checked[i].value); }
    var sizeText = value('householdSize').trim();
    var size = sizeText === '' ? NaN : Number(sizeText);
    var consent = document.getElementById('consent');
    return {
      villageCode: value('villageCode').trim(),
      applicantName: value('applicantName').trim(),
      idNumber: value('idNumber').replace(/\s+/g, '').toUpperCase(),
      phone: value('phone').replace(/\s+/g, ''),
      householdSize: isNaN(size) ? null : size,
      difficulties: difficulties,
      statement: value('statement').trim(),
      consent: !!(consent && consent.checked)
    };
  }

  // Only emptiness is checked here; the server is the authority on everything else.
  function emptyProblems(data) {
    var problems = [];
    if (!data.applicantName) { problems.push({ field: 'applicantName', message: '请填写申请人姓名' }); }
    if (!data.idNumber) { problems.push({ field: 'idNumber', message: '请填写身份证号码' }); }
    if (!data.phone) { problems.push({ field: 'phone', message: '请填写手机号码' }); }
    if (data.householdSize === null) { problems.push({ field: 'householdSize', message: '请填写家庭人口' }); }
    if (!data.difficulties.length) { problems.push({ field: 'difficulties', message: '请至少选择一项困难类型' }); }
    if (!data.consent) { problems.push({ field: 'consent', message: '需要同意信息使用授权才能提交' }); }
    return problems;
  }

  function showResult(body) {
    var number = String(body.applicationNumber);
    document.getElementById('application-number').textContent = number;
    document.getElementById('progress-link').setAttribute('href', '/progress?number=' + encodeURIComponent(number));
    document.getElementById('duplicate-note').hidden = body.duplicate !== true;
    form.hidden = true;
    var panel = document.getElementById('result');
    panel.hidden = false;
    window.scrollTo(0, 0);
    try { panel.focus({ preventScroll: true }); } catch (e) { panel.focus(); }
  }

  function handle(status, body) {
    if ((status === 201 || status === 200) && body && body.applicationNumber) {
      showResult(body);
      return;
    }
    var error = (body && body.error) || {};
    if (status === 400) {
      var details = Array.isArray(error.details) ? error.details : [];
      if (!details.length && error.field && errorElement(error.field)) {
        details = [{ field: error.field, message: serverMessage(body, '填写有误') }];
      }
      showProblems(serverMessage(body, '请求内容有误，请检查标出的字段'), details);
      return;
    }
    var fallback = '提交没有成功，请稍后重试';
    if (status === 409) { fallback = '您已有一份正在办理的申请，请勿重复申请'; }
    else if (status === 429) { fallback = '提交过于频繁，请稍后再试'; }
    else if (status === 413) { fallback = '提交的内容过多，请精简情况说明后重试'; }
    else if (status >= 500) { fallback = '服务暂时不可用，请稍后重试（不会重复提交）'; }
    showFormError(serverMessage(body, fallback));
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (busy) { return; }
    clearErrors();
    var data = collect();
    var problems = emptyProblems(data);
    if (problems.length) {
      showProblems('请填写标出的内容', problems);
      return;
    }
    setBusy(true);
    request('POST', '/v1/applications', data, {
      'Content-Type': 'application/json',
      'Accept': 'application/json',
      'Idempotency-Key': idempotencyKey
    }).then(function (result) {
      setBusy(false);
      handle(result.status, result.body);
    }, function () {
      setBusy(false);
      showFormError(NETWORK_MESSAGE);
    });
  });
})();
