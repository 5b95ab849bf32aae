/// Where a household looks up its application with the application number and the last four digits of
/// its phone number (`GET /v1/applications/{number}?phoneLast4=`). Same look and CSP as `ApplicationPage`.
public enum ProgressPage {
    static let title = "查询申报进度 — 防返贫监测"
    static let heading = "查询申报进度"

    /// The page; the application number is prefilled from `?number=` by its script.
    public static func html() -> String {
        PublicPageLayout.document(title: title, heading: heading, place: nil, main: main, script: script)
    }

    static let main = #"""
        <form id="progress-form" class="card" method="post" novalidate>
        <p class="intro">请输入申请编号和申请时所留手机号码的后四位。</p>
        <div class="field">
        <label for="number">申请编号</label>
        <input type="text" id="number" name="number" maxlength="32" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" placeholder="例如 SQ20261129000042" aria-describedby="error-number">
        <p class="field-error" id="error-number" role="alert" hidden></p>
        </div>
        <div class="field">
        <label for="phoneLast4">手机号后四位</label>
        <input type="tel" id="phoneLast4" name="phoneLast4" inputmode="numeric" maxlength="4" autocomplete="off" aria-describedby="error-phoneLast4">
        <p class="field-error" id="error-phoneLast4" role="alert" hidden></p>
        </div>
        <p class="form-error" id="form-error" role="alert" tabindex="-1" hidden></p>
        <button type="submit" id="query">查询进度</button>
        </form>
        <section class="card" id="progress" tabindex="-1" aria-live="polite" hidden>
        <h2>办理进度</h2>
        <p class="label">申请编号 <span id="progress-number"></span></p>
        <p class="status" id="status-text"></p>
        <div id="decision" hidden>
        <p class="label">办理结果说明</p>
        <p class="reason" id="decision-reason"></p>
        </div>
        <ol class="timeline" id="timeline"></ol>
        </section>
        <p class="footer">如有疑问，请联系本村网格员。</p>
        """#

    static let script = #"""
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

        \#(PublicPageLayout.formHelpers)

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
            request('GET', '/v1/applications/' + encodeURIComponent(number) + '?phoneLast4=' + encodeURIComponent(last4),
              undefined, { 'Accept': 'application/json' }
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
        """#
}
