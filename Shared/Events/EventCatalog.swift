/// Every event type Lifeline publishes or accepts, for the contract test that holds docs/asyncapi.yaml
/// and the code to each other. A new event type is added here and to the AsyncAPI document together.
public enum EventCatalog {
    /// All event payload types.
    public static let all: [any DomainEvent.Type] = [
        ApplicationSubmitted.self, ApplicationHeldForVerification.self, HouseholdRegistered.self, GridUnitRegistered.self, GridLeadRaised.self,
        WorkOrderPushed.self, RiskLeadRaised.self,
        CaseOpened.self,
        MessageRecorded.self,
    ]
}
