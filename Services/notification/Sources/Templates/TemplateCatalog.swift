/// The templates notification ships (version 1 of each key) and the fields each key is given, so a
/// new version the district writes is checked before it is used: a required placeholder must be a
/// field that is always given; an optional section may use any field of its key.
enum TemplateCatalog {
    struct Entry: Sendable {
        /// The inbox title and e-mail subject.
        var title: String
        /// Version 1's text.
        var body: String
        /// Fields every notice of this key carries.
        var always: Set<String>
        /// Fields some notices carry.
        var sometimes: Set<String> = []
    }

    /// Fields the queue adds to every notice that names a village: its name and its town's.
    static let placeNames: Set<String> = ["villageName", "townName"]

    static let entries: [String: Entry] = [
        // The texts notification used before templates were data are version 1 of their keys.
        "CaseOpened.household": Entry(
            title: "申请已受理",
            body: "{name}您好，您的申请（编号{applicationNumber}）已受理，村级网格员将于近日入户核实。凭申请编号和手机号后四位可查询进度。",
            always: ["name", "applicationNumber", "dueDate"]),
        "CaseOpened.village": Entry(
            title: "待入户核实",
            body: "【待核实】收到一条{road}线索（案件{caseId}），请于{dueDate}前完成入户核实。",
            always: ["caseId", "road", "dueDate"]),
        "CaseOpened.gridMember": Entry(
            title: "入户核实提醒",
            body: "您联系的{?villageName}{villageName}{/villageName}农户有一条{road}线索（案件{caseId}），请于{dueDate}前入户核实。",
            always: ["caseId", "road", "dueDate"]),
        "ApplicationSubmitted.household": Entry(
            title: "申请已收到",
            body: "{name}您好，已收到您的帮扶申请（编号{applicationNumber}），我们会尽快办理，请保持电话畅通。",
            always: ["name", "applicationNumber"]),
        "ApplicationHeldForVerification.village": Entry(
            title: "申请待核实身份",
            body: "申请{applicationNumber}需村级核实申请人身份（{reason}），请核实后确认或驳回。",
            always: ["applicationNumber", "reason"]),
        "GridLeadRaised.town": Entry(
            title: "网格线索",
            body: "{?villageName}{villageName}{/villageName}{meetingDate}村级议事提出一条监测线索（{risks}），已转入审核。",
            always: ["risks", "meetingDate"]),
        "RiskLeadRaised.town": Entry(
            title: "信访线索待研判",
            body: "收到一条{channel}线索（工单{orderNumber}{?risks}，{risks}{/risks}）{?villageName}，涉及{villageName}{/villageName}，请研判。",
            always: ["channel", "orderNumber"], sometimes: ["risks"]),
        "RiskLeadRaised.district": Entry(
            title: "信访线索待分派",
            body: "收到一条{channel}线索（工单{orderNumber}{?risks}，{risks}{/risks}），未能确定所在村，请研判分派。",
            always: ["channel", "orderNumber"], sometimes: ["risks"]),
        "WarningRaised.town": Entry(
            title: "部门筛查预警",
            body: "部门筛查预警（{severity}）{?villageName}：{villageName}{/villageName}，{summary}（{risks}），请研判。",
            always: ["severity", "summary", "risks"]),
        "LeadJoinedCase.village": Entry(
            title: "线索并案",
            body: "案件{caseId}新并入一条{road}线索（{risks}），请一并核实。",
            always: ["caseId", "road", "risks"]),
        "CaseStageChanged.village": Entry(
            title: "案件待办理",
            body: "{kind}案件{caseId}已进入{stage}环节，请于{dueDate}前办理。",
            always: ["caseId", "kind", "stage", "dueDate"]),
        "CaseStageChanged.town": Entry(
            title: "案件待审核",
            body: "{?villageName}{villageName}{/villageName}{kind}案件{caseId}已进入{stage}环节，请于{dueDate}前办理。",
            always: ["caseId", "kind", "stage", "dueDate"]),
        "CaseStageChanged.district": Entry(
            title: "案件待录入",
            body: "{?townName}{townName}{/townName}{kind}案件{caseId}已进入{stage}环节，请于{dueDate}前办理。",
            always: ["caseId", "kind", "stage", "dueDate"]),
        "ObjectionLodged.town": Entry(
            title: "公示异议",
            body: "{?villageName}{villageName}{/villageName}案件{caseId}公示期间收到第{objectionNumber}条异议，请组织核查。",
            always: ["caseId", "objectionNumber"]),
        "ObjectionLodged.village": Entry(
            title: "公示异议",
            body: "案件{caseId}公示期间收到第{objectionNumber}条异议，请配合镇街核查。",
            always: ["caseId", "objectionNumber"]),
        "ObjectionResolved.village": Entry(
            title: "异议处理结果",
            body: "案件{caseId}的第{objectionNumber}条异议已处理：{result}。",
            always: ["caseId", "objectionNumber", "result"]),
        "CaseOverdue.village": Entry(
            title: "办理时限提醒",
            body: "案件{caseId}的{stage}环节{state}（应于{dueDate}前完成），请尽快办理。",
            always: ["caseId", "stage", "state", "dueDate"]),
        "CaseOverdue.town": Entry(
            title: "办理时限提醒",
            body: "{?villageName}{villageName}{/villageName}案件{caseId}的{stage}环节{state}（应于{dueDate}前完成）。",
            always: ["caseId", "stage", "state", "dueDate"]),
        "CaseOverdue.district": Entry(
            title: "办理时限提醒",
            body: "案件{caseId}的{stage}环节{state}（应于{dueDate}前完成）。",
            always: ["caseId", "stage", "state", "dueDate"]),
        "CaseDecided.household": Entry(
            title: "认定结果",
            body: "您家的{kind}结果：{outcome}{?category}（{category}）{/category}。{?reason}说明：{reason}。{/reason}如有疑问请联系村委会。",
            always: ["caseId", "kind", "outcome"], sometimes: ["category", "reason"]),
        "CaseDecided.village": Entry(
            title: "认定结果",
            body: "案件{caseId}（{kind}）已有结果：{outcome}{?category}，{category}{/category}。",
            always: ["caseId", "kind", "outcome"], sometimes: ["category", "reason"]),
        "CaseDecided.gridMember": Entry(
            title: "认定结果",
            body: "您联系的农户案件{caseId}（{kind}）结果：{outcome}{?category}，{category}{/category}。",
            always: ["caseId", "kind", "outcome"], sometimes: ["category", "reason"]),
        "MonitoringStarted.gridMember": Entry(
            title: "纳入监测",
            body: "您联系的农户已于{startedOn}纳入{category}（{risks}），请按期走访并落实帮扶措施。",
            always: ["caseId", "category", "startedOn", "risks"]),
        "MonitoringStarted.village": Entry(
            title: "纳入监测",
            body: "案件{caseId}的农户已于{startedOn}纳入{category}，请安排帮扶责任人。",
            always: ["caseId", "category", "startedOn", "risks"]),
        "RiskEliminated.household": Entry(
            title: "风险消除",
            body: "您家已于{eliminatedOn}经认定风险消除，不再作为{category}。今后遇到困难仍可随时申请。",
            always: ["caseId", "category", "eliminatedOn"]),
        "RiskEliminated.village": Entry(
            title: "风险消除",
            body: "案件{caseId}的农户已于{eliminatedOn}风险消除（原为{category}）。",
            always: ["caseId", "category", "eliminatedOn"]),
        "ClaimFiled.insurer": Entry(
            title: "新理赔申请",
            body: "新理赔申请{claimId}：{line}，出险日期{incidentDate}，损失{loss}{?townName}，{townName}报送{/townName}，请审核。",
            always: ["claimId", "line", "loss", "incidentDate"]),
        "ClaimFiled.household": Entry(
            title: "理赔申请已提交",
            body: "您家的{line}理赔申请（{claimId}）已提交保险公司审核，结果将另行通知。",
            always: ["claimId", "line", "loss", "incidentDate"]),
        "ClaimApproved.town": Entry(
            title: "理赔已核准",
            body: "{?villageName}{villageName}{/villageName}理赔{claimId}（{line}）已核准，赔付{payout}。",
            always: ["claimId", "line", "payout"]),
        "ClaimApproved.household": Entry(
            title: "理赔已核准",
            body: "您家的{line}理赔（{claimId}）已核准，赔付{payout}，付款后另行通知。",
            always: ["claimId", "line", "payout"]),
        "ClaimPaid.household": Entry(
            title: "理赔款已支付",
            body: "您家的{line}理赔款{paid}已支付（{claimId}），请留意银行到账。",
            always: ["claimId", "line", "paid"]),
        "ClaimPaid.town": Entry(
            title: "理赔款已支付",
            body: "{?villageName}{villageName}{/villageName}理赔{claimId}（{line}）已支付{paid}。",
            always: ["claimId", "line", "paid"]),
        "ClaimRejected.town": Entry(
            title: "理赔未获赔付",
            body: "{?villageName}{villageName}{/villageName}理赔{claimId}（{line}）未获赔付：{reason}。",
            always: ["claimId", "line", "reason"]),
        "ClaimRejected.household": Entry(
            title: "理赔未获赔付",
            body: "您家的{line}理赔（{claimId}）未获赔付，原因：{reason}。如有疑问请联系镇（街道）。",
            always: ["claimId", "line", "reason"]),
        "FundThresholdReached.district": Entry(
            title: "保险基金使用预警",
            body: "{year}年防返贫保险基金（{fund}）已使用{threshold}%，剩余{remaining}。",
            always: ["year", "threshold", "remaining", "fund"]),
        "FundThresholdReached.insurer": Entry(
            title: "保险基金使用预警",
            body: "{year}年防返贫保险基金（{fund}）已使用{threshold}%，剩余{remaining}，请关注赔付进度。",
            always: ["year", "threshold", "remaining", "fund"]),
    ]

    /// Checks a new text for `key`: it parses, and needs only fields the key always has.
    static func check(_ text: String, for key: String) throws(TemplateError) -> MessageTemplate {
        guard let entry = entries[key] else { throw TemplateError(reason: "没有这个模板", offset: nil) }
        let template = try MessageTemplate(text)
        let known = entry.always.union(entry.sometimes).union(placeNames)
        for (field, required) in template.fields.sorted(by: { $0.key < $1.key }) {
            guard known.contains(field) else { throw TemplateError(reason: "字段「\(field)」不是这个模板的字段", offset: nil) }
            if required && !entry.always.contains(field) {
                throw TemplateError(reason: "字段「\(field)」不一定有值，请放在可选段「{?\(field)}…{/\(field)}」中", offset: nil)
            }
        }
        guard text.count <= 500 else { throw TemplateError(reason: "模板不能超过500字", offset: nil) }
        return template
    }
}
