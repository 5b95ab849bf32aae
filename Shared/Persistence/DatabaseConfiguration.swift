/// Where and as whom a service connects. Each service has its own login role whose only grant is its own
/// schema, and its `search_path` is that schema, so unqualified table names are the service's own.
public struct DatabaseConfiguration: Sendable {
    /// Server host.
    public var host: String
    /// Server port.
    public var port: Int
    /// Database name (one database for all services).
    public var database: String
    /// The service's login role.
    public var username: String
    /// The role's password.
    public var password: String
    /// The schema the service owns.
    public var schema: String
    /// Pool size.
    public var maximumConnections: Int

    /// Creates a configuration.
    public init(host: String, port: Int, database: String, username: String, password: String, schema: String, maximumConnections: Int = 10) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.schema = schema
        self.maximumConnections = maximumConnections
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.additionalStartupParameters = [("search_path", schema), ("application_name", "lifeline-\(schema)")]
        return configuration
    }
}
