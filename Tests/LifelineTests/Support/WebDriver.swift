import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A failure reported by chromedriver (`error` is the W3C error code, e.g. `no such element`,
/// `element not interactable`, `javascript error`) or met while driving it (`timeout`, `launch failed`,
/// `connection failed`, `unexpected response`).
struct WebDriverError: Error, CustomStringConvertible {
    var error: String
    var message: String
    /// The HTTP status of chromedriver's answer; 0 when there was none.
    var status: Int = 0

    var description: String {
        "WebDriver \(error)" + (status == 0 ? "" : " (HTTP \(status))") + ": " + message
    }
}

/// What `ChromeSession.waitFor(css:timeout:condition:)` waits for.
enum ElementCondition: Sendable, CustomStringConvertible {
    /// In the DOM.
    case present
    /// In the DOM and displayed.
    case visible
    /// Absent, or present but not displayed (e.g. `hidden`).
    case hidden
    /// Displayed text contains the string.
    case textContains(String)

    var description: String {
        switch self {
        case .present: "present"
        case .visible: "visible"
        case .hidden: "hidden"
        case .textContains(let text): "showing \"\(text)\""
        }
    }
}

/// A headless Chromium, emulating a phone in WeChat, driven over the W3C WebDriver protocol by its own
/// `chromedriver` process.
///
/// `chromedriver` comes from `CHROMEDRIVER` (default `/usr/bin/chromedriver`), the browser from `CHROMIUM`
/// (default `/usr/bin/chromium`, Debian's wrapper script). Runs as root thanks to `--no-sandbox`. Always
/// call `quit()`: killing chromedriver alone leaves the browser running.
///
/// Element lookups do not wait (implicit wait 0); use `waitFor` after anything asynchronous.
final class ChromeSession: @unchecked Sendable {
    /// The W3C web element identifier key.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"
    static let userAgent =
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47"

    /// chromedriver's base URL, e.g. `http://127.0.0.1:40123`.
    let driverURL: String
    let sessionId: String
    /// chromedriver's stdout and stderr.
    let logURL: URL
    private let process: Process
    private let browserProcessID: Int32?

    private init(driverURL: String, sessionId: String, logURL: URL, process: Process, browserProcessID: Int32?) {
        self.driverURL = driverURL
        self.sessionId = sessionId
        self.logURL = logURL
        self.process = process
        self.browserProcessID = browserProcessID
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    // MARK: Starting and stopping

    /// Launches `chromedriver --port=<free port>`, waits for `GET /status` to say ready and opens a session
    /// (a 390×844 phone at 2×, WeChat's user agent, `zh-CN`).
    ///
    /// - Parameters:
    ///   - timeZone: `TZ` for the browser, so that local times on pages are predictable; nil keeps the
    ///     environment's.
    ///   - extraArguments: more Chromium command-line switches.
    static func start(timeZone: String? = "Asia/Shanghai", extraArguments: [String] = []) async throws -> ChromeSession {
        let environment = ProcessInfo.processInfo.environment
        let driverPath = environment["CHROMEDRIVER"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/chromedriver"
        let chromiumPath = environment["CHROMIUM"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: driverPath) else {
            throw WebDriverError(error: "launch failed", message: "no chromedriver at \(driverPath) (set CHROMEDRIVER)")
        }
        guard FileManager.default.isExecutableFile(atPath: chromiumPath) else {
            throw WebDriverError(error: "launch failed", message: "no chromium at \(chromiumPath) (set CHROMIUM)")
        }

        let port = try FreePort.pick()
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("chromedriver-\(port).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: driverPath)
        process.arguments = ["--port=\(port)"]
        var childEnvironment = environment
        if let timeZone { childEnvironment["TZ"] = timeZone }
        process.environment = childEnvironment
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw WebDriverError(error: "launch failed", message: "\(driverPath): \(error)")
        }
        try? log.close()

        let driverURL = "http://127.0.0.1:\(port)"
        do {
            try await waitUntilReady(driverURL: driverURL, process: process, logURL: logURL)
            let arguments: [String] = [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=390,844",
                "--lang=zh-CN",
            ] + extraArguments
            let options: [String: Any] = [
                "binary": chromiumPath,
                "args": arguments,
                "mobileEmulation": [
                    "deviceMetrics": ["width": 390, "height": 844, "pixelRatio": 2.0] as [String: Any],
                    "userAgent": userAgent,
                ] as [String: Any],
            ]
            let capabilities: [String: Any] = [
                "capabilities": [
                    "alwaysMatch": [
                        "browserName": "chrome",
                        "goog:chromeOptions": options,
                        // Console messages, CSP violations included, for browserLog().
                        "goog:loggingPrefs": ["browser": "ALL"],
                    ] as [String: Any]
                ] as [String: Any]
            ]
            let created = try await send("POST", driverURL + "/session", body: json(capabilities), timeout: 90)
            guard let value = created as? [String: Any], let sessionId = value["sessionId"] as? String else {
                throw WebDriverError(error: "unexpected response", message: "POST /session answered \(String(describing: created))")
            }
            let granted = value["capabilities"] as? [String: Any]
            let browserProcessID = (granted?["goog:processID"] as? Int).map { Int32($0) }
            return ChromeSession(
                driverURL: driverURL, sessionId: sessionId, logURL: logURL, process: process,
                browserProcessID: browserProcessID)
        } catch {
            if process.isRunning { process.terminate() }
            let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if var failure = error as? WebDriverError {
                if !output.isEmpty { failure.message += "\nchromedriver output:\n" + output }
                throw failure
            }
            throw error
        }
    }

    /// Ends the session (which closes the browser) and stops chromedriver. Never throws; a second call
    /// does nothing.
    func quit() async {
        guard process.isRunning else { return }
        do {
            _ = try await command("DELETE", "", timeout: 20)
        } catch {
            #if canImport(Glibc)
            // chromedriver does not take the browser down with it when it is stopped.
            if let pid = browserProcessID, kill(pid, 0) == 0 { _ = kill(pid, SIGTERM) }
            #endif
        }
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        #if canImport(Glibc)
        if process.isRunning { _ = kill(process.processIdentifier, SIGKILL) }
        #endif
    }

    // MARK: Navigation and pages

    /// Loads `url` and waits for the page's load event.
    func navigate(_ url: String) async throws {
        _ = try await command("POST", "url", ["url": url])
    }

    /// The browser's cookies for the current page as a `Cookie` header value (HTTP-only ones included),
    /// so that a test can fetch what the signed-in page links to (a download) outside the browser.
    func cookieHeader() async throws -> String {
        let cookies = try await command("GET", "cookie") as? [[String: Any]] ?? []
        return cookies.compactMap { cookie in
            guard let name = cookie["name"] as? String, let value = cookie["value"] as? String else { return nil }
            return "\(name)=\(value)"
        }.joined(separator: "; ")
    }

    /// The current page's URL.
    func currentURL() async throws -> String {
        try await command("GET", "url") as? String ?? ""
    }

    /// Runs `script` (a function body: use `return`, and `arguments[0]`…) in the page and returns its
    /// JSON-converted result (nil for null or undefined; numbers and booleans as Foundation gives them).
    func execute(_ script: String, args: [Any] = []) async throws -> Any? {
        try await command("POST", "execute/sync", ["script": script, "args": args])
    }

    /// `execute` for scripts returning a string (nil when they return anything else).
    func executeString(_ script: String, args: [Any] = []) async throws -> String? {
        try await execute(script, args: args) as? String
    }

    /// `execute` for scripts returning a boolean (false when they return anything else).
    func executeBool(_ script: String, args: [Any] = []) async throws -> Bool {
        let result = try await execute(script, args: args)
        return Self.bool(result) ?? false
    }

    /// A PNG of the viewport.
    func screenshot() async throws -> Data {
        guard let encoded = try await command("GET", "screenshot") as? String,
            let data = Data(base64Encoded: encoded, options: [.ignoreUnknownCharacters])
        else {
            throw WebDriverError(error: "unexpected response", message: "screenshot was not base64")
        }
        return data
    }

    /// Writes `screenshot()` to `path` (handy when a test fails).
    func saveScreenshot(to path: String) async throws {
        try await screenshot().write(to: URL(fileURLWithPath: path))
    }

    /// The browser's console and network messages since the last call, as `LEVEL message` (chromedriver
    /// extension). CSP violations show up here as `SEVERE` messages mentioning "Content Security Policy".
    func browserLog() async throws -> [String] {
        let entries = try await command("POST", "se/log", ["type": "browser"]) as? [Any] ?? []
        return entries.compactMap { item -> String? in
            guard let entry = item as? [String: Any] else { return nil }
            let level = entry["level"] as? String ?? "?"
            let message = entry["message"] as? String ?? ""
            return level + " " + message
        }
    }

    // MARK: Elements

    /// The WebDriver id of the first element matching `css`; throws `no such element` at once if none.
    func element(css: String) async throws -> String {
        let found = try await command("POST", "element", ["using": "css selector", "value": css])
        guard let reference = found as? [String: Any],
            let id = (reference[Self.elementKey] ?? reference.values.first) as? String
        else {
            throw WebDriverError(error: "unexpected response", message: "element \(css): \(String(describing: found))")
        }
        return id
    }

    /// The ids of all elements matching `css` (possibly none).
    func elements(css: String) async throws -> [String] {
        let found = try await command("POST", "elements", ["using": "css selector", "value": css]) as? [Any] ?? []
        return found.compactMap { item -> String? in
            guard let reference = item as? [String: Any] else { return nil }
            return (reference[Self.elementKey] ?? reference.values.first) as? String
        }
    }

    /// Clicks (taps) the element; throws `element not interactable` if it is hidden.
    func click(css: String) async throws {
        let id = try await element(css: css)
        _ = try await command("POST", "element/\(id)/click", [:])
    }

    /// Types `text` into the element, after what it already holds (see `clear(css:)`).
    func type(_ text: String, into css: String) async throws {
        let id = try await element(css: css)
        _ = try await command("POST", "element/\(id)/value", ["text": text])
    }

    /// Empties an input or textarea.
    func clear(css: String) async throws {
        let id = try await element(css: css)
        _ = try await command("POST", "element/\(id)/clear", [:])
    }

    /// The element's rendered text ("" when it is not displayed).
    func text(of css: String) async throws -> String {
        let id = try await element(css: css)
        return try await text(elementId: id)
    }

    /// The `value` property of an input, select or textarea.
    func value(of css: String) async throws -> String {
        let id = try await element(css: css)
        return try await command("GET", "element/\(id)/property/value") as? String ?? ""
    }

    /// An attribute, nil when absent.
    func attribute(_ name: String, of css: String) async throws -> String? {
        let id = try await element(css: css)
        return try await command("GET", "element/\(id)/attribute/\(name)") as? String
    }

    /// Whether the element is displayed; false also when no element matches.
    func isDisplayed(css: String) async throws -> Bool {
        let id: String
        do {
            id = try await element(css: css)
        } catch let error as WebDriverError where error.error == "no such element" {
            return false
        }
        return try await displayed(elementId: id)
    }

    /// Polls every 100 ms until the element matching `css` meets `condition`; throws `timeout` otherwise.
    func waitFor(css: String, timeout: Duration = .seconds(10), condition: ElementCondition = .visible) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await meets(css: css, condition: condition) { return }
            if ContinuousClock.now >= deadline {
                let shown = (try? await text(of: css)).map { " (it shows \"\($0)\")" } ?? ""
                throw WebDriverError(error: "timeout", message: "waited \(timeout) for \(css) to be \(condition)\(shown)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Polls every 100 ms until `script` returns true; throws `timeout` otherwise.
    func waitFor(script: String, args: [Any] = [], timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await executeBool(script, args: args) { return }
            if ContinuousClock.now >= deadline {
                throw WebDriverError(error: "timeout", message: "waited \(timeout) for script to return true: \(script)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func meets(css: String, condition: ElementCondition) async throws -> Bool {
        let id: String
        do {
            id = try await element(css: css)
        } catch let error as WebDriverError where error.error == "no such element" {
            if case .hidden = condition { return true }
            return false
        }
        do {
            switch condition {
            case .present:
                return true
            case .visible:
                return try await displayed(elementId: id)
            case .hidden:
                let shown = try await displayed(elementId: id)
                return !shown
            case .textContains(let expected):
                let shown = try await text(elementId: id)
                return shown.contains(expected)
            }
        } catch let error as WebDriverError where error.error == "stale element reference" {
            return false  // replaced while we looked; look again
        }
    }

    private func displayed(elementId id: String) async throws -> Bool {
        let result = try await command("GET", "element/\(id)/displayed")
        return Self.bool(result) ?? false
    }

    private func text(elementId id: String) async throws -> String {
        try await command("GET", "element/\(id)/text") as? String ?? ""
    }

    // MARK: Protocol

    /// A command on this session: `path` is relative to `/session/{id}` ("" for the session itself).
    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil, timeout: TimeInterval = 90) async throws -> Any? {
        let url = driverURL + "/session/" + sessionId + (path.isEmpty ? "" : "/" + path)
        var data: Data? = nil
        if let body {
            data = try Self.json(body)
        } else if method == "POST" {
            data = Data("{}".utf8)
        }
        return try await Self.send(method, url, body: data, timeout: timeout)
    }

    private static func json(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object)
    }

    /// Sends a request to chromedriver and returns the `value` of its answer (nil for null).
    private static func send(_ method: String, _ url: String, body: Data?, timeout: TimeInterval) async throws -> Any? {
        guard let address = URL(string: url) else {
            throw WebDriverError(error: "invalid argument", message: "not a URL: \(url)")
        }
        // swift-corelibs-foundation's URLSession fails on chromedriver's answers ("Failed writing
        // header"), so the commands go through curl, which is on every machine that runs the suite.
        let (data, status) = try await curl(method, address, body: body, timeout: timeout)
        let decoded = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let value = (decoded as? [String: Any])?["value"]
        guard status == 200 else {
            let details = value as? [String: Any]
            let message = details?["message"] as? String ?? String(decoding: data, as: UTF8.self)
            throw WebDriverError(
                error: details?["error"] as? String ?? "unexpected response",
                message: "\(method) \(address.path): " + (message.components(separatedBy: "\n").first ?? message),
                status: status)
        }
        if value == nil || value is NSNull { return nil }
        return value
    }

    /// One HTTP exchange by `curl`: the body and the status code.
    private static func curl(_ method: String, _ url: URL, body: Data?, timeout: TimeInterval) async throws -> (Data, Int) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                var arguments = ["-s", "-X", method, "--max-time", String(Int(max(1, timeout))), "-w", "\n%{http_code}", url.absoluteString]
                if body != nil { arguments += ["-H", "Content-Type: application/json; charset=utf-8", "--data-binary", "@-"] }
                process.arguments = arguments
                let input = Pipe()
                let output = Pipe()
                process.standardInput = input
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: WebDriverError(error: "connection failed", message: "curl: \(error)"))
                    return
                }
                if let body { input.fileHandleForWriting.write(body) }
                try? input.fileHandleForWriting.close()
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                guard let newline = data.lastIndex(of: 0x0A), let status = Int(String(decoding: data[(newline + 1)...], as: UTF8.self)), status > 0
                else {
                    continuation.resume(throwing: WebDriverError(
                        error: "connection failed", message: "\(method) \(url.path): curl exit \(process.terminationStatus)"))
                    return
                }
                continuation.resume(returning: (Data(data[..<newline]), status))
            }
        }
    }

    private static func bool(_ value: Any?) -> Bool? {
        if let flag = value as? Bool { return flag }
        if let number = value as? NSNumber { return number.boolValue }
        return nil
    }

    private static func waitUntilReady(driverURL: String, process: Process, logURL: URL) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var lastProblem = "no answer"
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw WebDriverError(error: "launch failed", message: "chromedriver exited with status \(process.terminationStatus)")
            }
            do {
                let status = try await send("GET", driverURL + "/status", body: nil, timeout: 2) as? [String: Any]
                if bool(status?["ready"]) == true { return }
                lastProblem = "status: \(String(describing: status))"
            } catch {
                lastProblem = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError(error: "timeout", message: "chromedriver at \(driverURL) not ready after 30 s (\(lastProblem))")
    }
}
