import LifelineEvents
import LifelineRuntime

/// The self-application form as JSON (`POST /v1/applications`). Every field is optional in decoding so
/// that all problems are reported at once, each with its field and a Chinese message.
struct ApplicationRequest: Decodable, Sendable {
    var villageCode: String?
    var applicantName: String?
    var idNumber: String?
    var phone: String?
    var householdSize: Int?
    var difficulties: [String]?
    var statement: String?
    var consent: Bool?
    /// The applicant's openid on the district's WeChat official account, when the page was opened from
    /// WeChat (set by the page from the account's sign-in; optional).
    var wechatOpenId: String?

    /// The district whose villages intake serves (济阳区).
    static let districtCode = "370115"

    func validate() -> Result<ValidApplication, APIError> {
        var problems: [APIError.FieldProblem] = []
        let village = villageCode?.trimmingCharacters(in: .whitespaces) ?? ""
        if village.isEmpty {
            problems.append(.init(field: "villageCode", message: "缺少村庄编码，请重新扫描村里的二维码"))
        } else if village.count != 12 || !village.allSatisfy({ $0.isASCII && $0.isNumber }) || !village.hasPrefix(Self.districtCode) {
            problems.append(.init(field: "villageCode", message: "村庄编码无效，请重新扫描村里的二维码"))
        }
        let name = applicantName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if name.isEmpty {
            problems.append(.init(field: "applicantName", message: "请填写申请人姓名"))
        } else if name.count > 30 {
            problems.append(.init(field: "applicantName", message: "姓名不能超过30个字"))
        }
        var idNumber: CitizenIdNumber?
        switch CitizenIdNumber.parse(self.idNumber ?? "") {
        case .success(let parsed): idNumber = parsed
        case .failure(let problem):
            problems.append(.init(field: "idNumber", message: (self.idNumber ?? "").isEmpty ? "请填写身份证号码" : problem.chineseMessage))
        }
        let phone = phone?.trimmingCharacters(in: .whitespaces) ?? ""
        if !MobileNumber.isValid(phone) {
            problems.append(.init(field: "phone", message: phone.isEmpty ? "请填写手机号码" : "手机号码应为11位数字"))
        }
        let size = householdSize ?? 0
        if !(1...30).contains(size) {
            problems.append(.init(field: "householdSize", message: "家庭人口应在1到30人之间"))
        }
        var kinds: [DifficultyType] = []
        for (index, text) in (difficulties ?? []).enumerated() {
            guard let kind = DifficultyType(rawValue: text) else {
                problems.append(.init(field: "difficulties.\(index)", message: "不认识的困难类型"))
                continue
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        if (difficulties ?? []).isEmpty {
            problems.append(.init(field: "difficulties", message: "请至少选择一项困难类型"))
        }
        let statement = statement?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if statement.count > 2000 {
            problems.append(.init(field: "statement", message: "情况说明不能超过2000字"))
        }
        let openId = wechatOpenId?.trimmingCharacters(in: .whitespaces) ?? ""
        if !openId.isEmpty && !Self.isOpenId(openId) {
            problems.append(.init(field: "wechatOpenId", message: "微信标识无效，请从公众号重新打开申请页面"))
        }
        if consent != true {
            problems.append(.init(field: "consent", message: "需要同意信息使用授权才能提交"))
        }
        guard problems.isEmpty, let idNumber else { return .failure(.validation(problems)) }
        return .success(ValidApplication(
            villageCode: village, applicantName: name, idNumber: idNumber, phone: phone, householdSize: size,
            difficulties: kinds, statement: statement, wechatOpenId: openId.isEmpty ? nil : openId))
    }

    /// An openid as WeChat issues them: 6 to 64 letters, digits, `-` or `_`.
    static func isOpenId(_ text: String) -> Bool {
        (6...64).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

/// A validated application.
struct ValidApplication: Sendable {
    var villageCode: String
    var applicantName: String
    var idNumber: CitizenIdNumber
    var phone: String
    var householdSize: Int
    var difficulties: [DifficultyType]
    var statement: String
    var wechatOpenId: String? = nil
}
