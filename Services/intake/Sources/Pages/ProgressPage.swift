/// Where a household looks up its application with the application number and the last four digits of
/// its phone number (`POST /v1/applications/{number}/progress`). Same look and CSP as `ApplicationPage`.
public enum ProgressPage {
    static let title = "查询申报进度 — 防返贫监测"
    static let heading = "查询申报进度"

    /// The page; the application number is prefilled from `?number=` by its script.
    public static func html() -> String {
        PublicPageLayout.document(title: title, heading: heading, place: nil, main: main, script: "progress.js")
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

}
