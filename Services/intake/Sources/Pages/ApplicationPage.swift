import Foundation

/// The village a QR code names, as the application page shows it.
public struct VillageSummary: Sendable {
    /// The 12-digit village code (sent back with the application).
    public var code: String
    /// The village's name, e.g. 邢家村.
    public var name: String
    /// The name of the town it belongs to, e.g. 曲堤街道.
    public var townName: String

    /// Creates a summary.
    public init(code: String, name: String, townName: String) {
        self.code = code
        self.name = name
        self.townName = townName
    }
}

/// The self-application form a household opens by scanning its village's QR code in WeChat.
///
/// Self-contained (inline CSS and JS, no external resources) and written for the page's
/// Content-Security-Policy: `default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';
/// connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'`.
public enum ApplicationPage {
    static let title = "农户自主申请 — 防返贫监测"
    static let heading = "农户自主申请"

    /// The difficulty types (`DifficultyType` raw values) and their Chinese labels, in form order.
    static let difficultyTypes: [(value: String, label: String)] = [
        ("illness", "疾病"),
        ("disability", "残疾"),
        ("schoolingCosts", "就学费用"),
        ("disaster", "自然灾害"),
        ("accident", "意外事故"),
        ("lossOfWork", "失业或收入骤减"),
        ("housing", "住房安全"),
        ("drinkingWater", "饮水安全"),
        ("other", "其他"),
    ]

    /// The page for `village`, or a friendly error without a form when the QR code named no known village.
    public static func html(village: VillageSummary?) -> String {
        guard let village else {
            return PublicPageLayout.document(title: title, heading: heading, place: nil, main: invalidCode, script: nil)
        }
        let town = village.townName.trimmingCharacters(in: .whitespaces)
        let place = town.isEmpty ? village.name : town + " " + village.name
        return PublicPageLayout.document(
            title: title, heading: heading, place: place, main: form(villageCode: village.code), script: script)
    }

    static let invalidCode = #"""
        <section class="card notice" id="page-error" role="alert">
        <p>二维码无效或已过期，请联系村网格员获取新的二维码</p>
        </section>
        """#

    static func form(villageCode: String) -> String {
        let checkboxes = difficultyTypes.map { kind -> String in
            let value = HTML.escape(kind.value)
            return #"<label class="check" for="difficulty-\#(value)"><input type="checkbox" id="difficulty-\#(value)" name="difficulties" value="\#(value)"><span>\#(HTML.escape(kind.label))</span></label>"#
        }.joined(separator: "\n")
        return #"""
            <form id="application-form" class="card" method="post" novalidate>
            <p class="intro">家庭遇到困难、存在返贫致贫风险的，可以在这里自主申请监测帮扶。带<span class="req">*</span>的为必填项，提交后村网格员会与您联系核实。</p>
            <input type="hidden" id="villageCode" name="villageCode" value="\#(HTML.escape(villageCode))">
            <div class="field">
            <label for="applicantName">申请人姓名<span class="req">*</span></label>
            <input type="text" id="applicantName" name="applicantName" maxlength="30" autocomplete="name" aria-describedby="error-applicantName">
            <p class="field-error" id="error-applicantName" role="alert" hidden></p>
            </div>
            <div class="field">
            <label for="idNumber">身份证号码<span class="req">*</span></label>
            <input type="text" id="idNumber" name="idNumber" inputmode="text" maxlength="18" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" aria-describedby="error-idNumber">
            <p class="field-error" id="error-idNumber" role="alert" hidden></p>
            </div>
            <div class="field">
            <label for="phone">手机号码<span class="req">*</span></label>
            <input type="tel" id="phone" name="phone" inputmode="numeric" maxlength="11" autocomplete="tel" aria-describedby="error-phone">
            <p class="field-error" id="error-phone" role="alert" hidden></p>
            </div>
            <div class="field">
            <label for="householdSize">家庭人口<span class="hint">（人）</span><span class="req">*</span></label>
            <input type="number" id="householdSize" name="householdSize" inputmode="numeric" min="1" max="30" step="1" autocomplete="off" aria-describedby="error-householdSize">
            <p class="field-error" id="error-householdSize" role="alert" hidden></p>
            </div>
            <fieldset class="field" id="difficulties-group" aria-describedby="error-difficulties">
            <legend>家庭遇到的困难<span class="hint">（可多选）</span><span class="req">*</span></legend>
            <div class="checks">
            \#(checkboxes)
            </div>
            <p class="field-error" id="error-difficulties" role="alert" hidden></p>
            </fieldset>
            <div class="field">
            <label for="statement">情况说明<span class="hint">（选填）</span></label>
            <textarea id="statement" name="statement" maxlength="2000" rows="5" placeholder="请简要说明家里遇到的困难，例如谁生了什么病、受灾或失业的情况" aria-describedby="error-statement"></textarea>
            <p class="field-error" id="error-statement" role="alert" hidden></p>
            </div>
            <div class="field">
            <label class="check consent" for="consent"><input type="checkbox" id="consent" name="consent" value="true"><span>本人同意将以上信息用于防返贫监测核实，信息仅用于帮扶工作</span></label>
            <p class="field-error" id="error-consent" role="alert" hidden></p>
            </div>
            <p class="form-error" id="form-error" role="alert" tabindex="-1" hidden></p>
            <button type="submit" id="submit">提交申请</button>
            </form>
            <section class="card result" id="result" tabindex="-1" hidden>
            <h2>申请已提交</h2>
            <p id="duplicate-note" hidden>这份申请此前已经提交过，下面是原来的申请编号。</p>
            <p class="label">申请编号</p>
            <p class="number" id="application-number"></p>
            <p id="result-hint">请记下申请编号，凭编号和手机号后四位查询办理进度</p>
            <a class="button-link" id="progress-link" href="/progress">查询办理进度</a>
            </section>
            <p class="footer">如有疑问，请联系本村网格员。</p>
            """#
    }

    static let script = #"""
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

        \#(PublicPageLayout.formHelpers)

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
        """#
}

/// The look and the script helpers shared by the public pages (application form, progress query).
enum PublicPageLayout {
    /// A complete HTML5 document: header with `heading` (and `place` under it), `main`, then `script`.
    static func document(title: String, heading: String, place: String?, main: String, script: String?) -> String {
        let placeLine = place.map { #"<p class="place" id="place">\#(HTML.escape($0))</p>"# } ?? ""
        let scriptBlock = script.map { "<script>\n" + $0 + "\n</script>" } ?? ""
        return #"""
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
            <meta name="format-detection" content="telephone=no">
            <meta name="referrer" content="no-referrer">
            <title>\#(HTML.escape(title))</title>
            <link rel="icon" href="data:,">
            <style>
            \#(css)
            </style>
            </head>
            <body>
            <header class="top">
            <p class="org">防返贫监测帮扶平台</p>
            <h1>\#(HTML.escape(heading))</h1>
            \#(placeLine)
            </header>
            <main>
            \#(main)
            </main>
            \#(scriptBlock)
            </body>
            </html>

            """#
    }

    static let css = #"""
        *,*::before,*::after{box-sizing:border-box}
        [hidden]{display:none!important}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
        body{margin:0;background:#f2f5f3;color:#1f2a24;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;font-size:17px;line-height:1.6;-webkit-tap-highlight-color:transparent}
        .top{background:#1f7a4d;color:#fff;padding:14px 16px 16px}
        .top .org{margin:0;font-size:14px;opacity:.9}
        .top h1{margin:2px 0 0;font-size:22px;line-height:1.35}
        .top .place{margin:4px 0 0;font-size:17px;font-weight:600}
        main{max-width:560px;margin:0 auto;padding:12px 8px 32px}
        .card{background:#fff;border-radius:10px;padding:16px 12px;margin:0 0 12px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
        .intro{margin:0 0 14px;color:#4a5a51;font-size:15px}
        .field{margin:0 0 18px;border:0;padding:0;min-width:0}
        label,legend{display:block;font-weight:600;margin:0 0 6px;padding:0}
        .req{color:#c0392b;margin-left:2px}
        .hint{font-weight:400;color:#6b7a71;font-size:15px}
        input[type=text],input[type=tel],input[type=number],textarea{display:block;width:100%;min-height:48px;margin:0;padding:10px 12px;font:inherit;font-size:17px;color:inherit;background:#fff;border:1px solid #b4c1b9;border-radius:8px;-webkit-appearance:none;appearance:none}
        textarea{min-height:120px;resize:vertical}
        input:focus,textarea:focus{outline:none;border-color:#1f7a4d;box-shadow:0 0 0 3px rgba(31,122,77,.22)}
        .has-error input,.has-error textarea,.has-error .check{border-color:#c0392b}
        .checks{display:grid;grid-template-columns:1fr 1fr;gap:8px}
        .check{display:flex;align-items:center;gap:6px;min-height:48px;margin:0;padding:8px 6px 8px 8px;border:1px solid #b4c1b9;border-radius:8px;background:#fff;font-weight:400;font-size:16px;line-height:1.4;cursor:pointer}
        .check input{width:20px;height:20px;margin:0;flex:none;accent-color:#1f7a4d}
        .consent{align-items:flex-start;padding:12px 8px}
        .consent input{margin-top:2px}
        .field-error{margin:6px 0 0;color:#c0392b;font-size:15px;white-space:pre-line}
        .form-error{margin:0 0 14px;padding:12px;border-radius:8px;background:#fdecea;color:#a12a1e;border:1px solid #f1bdb6;white-space:pre-line;outline:none}
        button{display:block;width:100%;min-height:52px;margin:0;border:0;border-radius:10px;background:#1f7a4d;color:#fff;font:inherit;font-size:18px;font-weight:600;cursor:pointer}
        button:active{background:#18633e}
        button:disabled{background:#8db8a2;cursor:default}
        .notice{color:#a12a1e;font-size:18px;text-align:center;padding:28px 16px}
        .notice p{margin:0}
        .result{outline:none}
        .result h2,#progress h2{margin:0 0 8px;font-size:20px;color:#1f7a4d}
        .label{margin:8px 0 0;color:#6b7a71;font-size:15px}
        .number{margin:2px 0 10px;font-size:26px;font-weight:700;letter-spacing:1px;word-break:break-all;user-select:all;-webkit-user-select:all}
        .button-link{display:block;min-height:48px;margin:14px 0 0;padding:11px 12px;border:1px solid #1f7a4d;border-radius:10px;color:#1f7a4d;text-align:center;text-decoration:none;font-weight:600}
        .footer{margin:16px 4px 0;color:#6b7a71;font-size:14px;text-align:center}
        #progress{outline:none}
        .status{margin:4px 0 10px;font-size:20px;font-weight:700}
        .status-decided{color:#1f7a4d}
        .reason{margin:0 0 12px;padding:10px 12px;background:#f2f5f3;border-radius:8px}
        .timeline{list-style:none;margin:12px 0 0;padding:0 0 0 6px}
        .timeline li{position:relative;margin:0;padding:0 0 16px 20px;border-left:2px solid #cfe3d8}
        .timeline li:last-child{border-left-color:transparent;padding-bottom:0}
        .timeline li::before{content:"";position:absolute;left:-7px;top:7px;width:12px;height:12px;border-radius:50%;background:#1f7a4d}
        .timeline .stage{font-weight:600}
        .timeline time{display:block;color:#6b7a71;font-size:15px}
        .timeline .note{margin-top:2px;font-size:15px}
        """#

    /// Helpers pasted into each page's script (inside its function). They expect `form`, `button`,
    /// `formError`, `busy`, `IDLE_TEXT` and `BUSY_TEXT` to be declared by the page before them.
    static let formHelpers = #"""
          function value(id) {
            var element = document.getElementById(id);
            return element ? String(element.value || '') : '';
          }

          function fieldName(field) { return String(field || '').split('.')[0]; }

          function errorElement(field) {
            var name = fieldName(field);
            return name ? document.getElementById('error-' + name) : null;
          }

          function controlFor(field) {
            var name = fieldName(field);
            if (name === 'difficulties') { return form.querySelector('input[name="difficulties"]'); }
            var control = name ? document.getElementById(name) : null;
            return control && control.type !== 'hidden' && typeof control.focus === 'function' ? control : null;
          }

          function clearFieldError(name) {
            var element = errorElement(name);
            if (element && !element.hidden) {
              element.hidden = true;
              element.textContent = '';
              if (element.parentNode && element.parentNode.classList) { element.parentNode.classList.remove('has-error'); }
            }
            var control = controlFor(name);
            if (control) { control.removeAttribute('aria-invalid'); }
          }

          function clearErrors() {
            var errors = form.querySelectorAll('.field-error');
            for (var i = 0; i < errors.length; i++) {
              errors[i].hidden = true;
              errors[i].textContent = '';
              if (errors[i].parentNode && errors[i].parentNode.classList) { errors[i].parentNode.classList.remove('has-error'); }
            }
            var invalid = form.querySelectorAll('[aria-invalid="true"]');
            for (var j = 0; j < invalid.length; j++) { invalid[j].removeAttribute('aria-invalid'); }
            formError.hidden = true;
            formError.textContent = '';
          }

          // Shows `message` beside `field` (`difficulties.2` goes to `error-difficulties`); false if the
          // page has no place for it.
          function showFieldError(field, message) {
            var element = errorElement(field);
            if (!element) { return false; }
            var text = String(message || '');
            if (element.hidden || !element.textContent) {
              element.textContent = text;
            } else if (text && element.textContent.indexOf(text) === -1) {
              element.textContent += '\n' + text;
            }
            element.hidden = false;
            if (element.parentNode && element.parentNode.classList) { element.parentNode.classList.add('has-error'); }
            var control = controlFor(field);
            if (control && control.type !== 'checkbox') { control.setAttribute('aria-invalid', 'true'); }
            return true;
          }

          function showFormError(message) {
            formError.textContent = String(message || '');
            formError.hidden = false;
            try { formError.scrollIntoView({ block: 'center' }); } catch (e) { formError.scrollIntoView(); }
          }

          // Field problems beside their fields, `summary` and any problem without a place in the general
          // area; focuses the first bad field in page order.
          function showProblems(summary, problems) {
            var general = summary ? [String(summary)] : [];
            var controls = Array.prototype.slice.call(form.querySelectorAll('input, textarea, select'));
            var first = null;
            var firstIndex = -1;
            for (var i = 0; i < problems.length; i++) {
              var problem = problems[i] || {};
              if (showFieldError(problem.field, problem.message)) {
                var control = controlFor(problem.field);
                var index = control ? controls.indexOf(control) : -1;
                if (index !== -1 && (first === null || index < firstIndex)) {
                  first = control;
                  firstIndex = index;
                }
              } else if (problem.message && general.indexOf(String(problem.message)) === -1) {
                general.push(String(problem.message));
              }
            }
            if (general.length) {
              formError.textContent = general.join('\n');
              formError.hidden = false;
            }
            if (first) {
              try { first.focus({ preventScroll: true }); } catch (e) { first.focus(); }
              try { first.scrollIntoView({ block: 'center' }); } catch (e) { first.scrollIntoView(); }
            } else if (general.length) {
              try { formError.scrollIntoView({ block: 'center' }); } catch (e) { formError.scrollIntoView(); }
            }
          }

          function hasChinese(text) { return /[\u3400-\u9fff]/.test(String(text || '')); }

          // The server's message when it has one meant for people (Chinese), else `fallback`.
          function serverMessage(body, fallback) {
            var message = body && body.error && body.error.message;
            return message && hasChinese(message) ? String(message) : fallback;
          }

          function setBusy(on) {
            busy = on;
            button.disabled = on;
            button.textContent = on ? BUSY_TEXT : IDLE_TEXT;
            button.setAttribute('aria-busy', on ? 'true' : 'false');
          }

          // Resolves to {status, body} (body: parsed JSON or null); rejects on network failure or after 30 s.
          function request(method, url, payload, headers) {
            if (typeof fetch !== 'function') { return Promise.reject(new Error('fetch unavailable')); }
            var controller = typeof AbortController === 'function' ? new AbortController() : null;
            var timer = controller ? setTimeout(function () { controller.abort(); }, 30000) : 0;
            var init = { method: method, headers: headers || {}, credentials: 'same-origin', cache: 'no-store' };
            if (payload !== undefined) { init.body = JSON.stringify(payload); }
            if (controller) { init.signal = controller.signal; }
            return fetch(url, init).then(function (response) {
              return response.text().then(function (text) {
                var body = null;
                try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
                return { status: response.status, body: body };
              });
            }).then(function (result) {
              clearTimeout(timer);
              return result;
            }, function (error) {
              clearTimeout(timer);
              throw error;
            });
          }

          form.addEventListener('input', function (event) {
            if (event.target && event.target.name) { clearFieldError(event.target.name); }
          });
          form.addEventListener('change', function (event) {
            if (event.target && event.target.name) { clearFieldError(event.target.name); }
          });
        """#
}
