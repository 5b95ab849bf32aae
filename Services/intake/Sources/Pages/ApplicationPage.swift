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
/// Its CSS and script are resources served by intake itself (`/assets/…`, see `PublicAssets`), never
/// inline and never from the internet, under the Content-Security-Policy of `PageRoutes`.
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
            title: title, heading: heading, place: place, main: form(villageCode: village.code), script: "apply.js")
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

}

/// The look and the script helpers shared by the public pages (application form, progress query).
enum PublicPageLayout {
    /// A complete HTML5 document: header with `heading` (and `place` under it), `main`, then the
    /// script resource `script` (a name under `/assets/`).
    static func document(title: String, heading: String, place: String?, main: String, script: String?) -> String {
        let placeLine = place.map { #"<p class="place" id="place">\#(HTML.escape($0))</p>"# } ?? ""
        let scriptBlock = script.map { #"<script src="/assets/\#(HTML.escape($0))" defer></script>"# } ?? ""
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
            <link rel="stylesheet" href="/assets/lifeline.css">
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


}
