/// Runs background jobs (file imports) of one instance one after another, so that a second upload
/// waits instead of competing for the same rows, and the HTTP request that submitted a file returns at
/// once. Remembers which jobs it holds, for a keeper that marks them alive.
public actor SerialJobQueue {
    private var tail: Task<Void, Never>?
    private var held: Set<String> = []

    /// An empty queue.
    public init() {}

    /// Runs `work` for job `id` after every job queued before it.
    public func enqueue(_ id: String, _ work: @escaping @Sendable () async -> Void) {
        held.insert(id)
        let previous = tail
        tail = Task {
            await previous?.value
            await work()
            self.release(id)
        }
    }

    private func release(_ id: String) {
        held.remove(id)
    }

    /// The jobs this instance has queued or is running.
    public var heldJobs: [String] { Array(held) }

    /// Waits until everything queued so far has run (tests, the command line).
    public func drain() async {
        await tail?.value
    }
}
