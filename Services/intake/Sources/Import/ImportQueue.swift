import LifelineRuntime

/// Intake's imports run one after another per instance (the shared `SerialJobQueue`).
typealias ImportQueue = SerialJobQueue
