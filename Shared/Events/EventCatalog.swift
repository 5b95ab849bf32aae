/// Every event type Lifeline publishes or accepts, for the contract test that holds docs/asyncapi.yaml
/// and the code to each other. A new event type is added here and to the AsyncAPI document together.
public enum EventCatalog {
    /// All event payload types.
    public static let all: [any DomainEvent.Type] = [
        ApplicationSubmitted.self, ApplicationHeldForVerification.self, HouseholdRegistered.self, GridUnitRegistered.self, GridLeadRaised.self,
        WorkOrderPushed.self, WorkOrderFollowedUp.self, RiskLeadRaised.self, WorkOrderAnswered.self,
        CaseOpened.self, LeadJoinedCase.self, CaseStageChanged.self, ObjectionLodged.self, ObjectionResolved.self, CaseDecided.self,
        MonitoringStarted.self, RiskEliminated.self, CaseOverdue.self, ComparisonRequested.self, LeadSettled.self,
        DepartmentRecordPushed.self, WarningRaised.self, RecordFeedback.self, ComparisonAnswered.self,
        MessageRecorded.self, MessageSent.self, MessageDelivered.self, MessageFailed.self,
        ClaimFiled.self, ClaimApproved.self, ClaimPaid.self, ClaimRejected.self, FundThresholdReached.self,
    ]
}
