import Foundation
import Intake
import IntakeDemo
import LifelineRuntime

/// The demo commands, over the `IntakeDemo` target (kept out of the service library):
/// - `seed-demo [--households N] [--seed S]`: writes the synthetic 济阳 grid and N households (default
///   30,000) as the files a district uploads and imports them with `import-grid` and `import`, through
///   the same importers as an upload; running it again changes nothing.
/// - `write-demo-csv --households N --out FILE [--seed S]`: the demo households as a household file.
/// - `write-demo-grid --out FILE [--seed S]`: the demo grid as a grid file.
enum DemoCommands {
    static func isCommand(_ arguments: [String]) -> Bool {
        ["seed-demo", "write-demo-csv", "write-demo-grid"].contains(arguments.first ?? "")
    }

    static func run(_ arguments: [String]) async -> Int32 {
        let options = CommandOptions(arguments.dropFirst())
        guard let households = options.wholeNumber("--households", default: 30_000), let seedValue = options.wholeNumber("--seed", default: 2026)
        else {
            FileHandle.standardError.write(Data("lifeline-intake: --households and --seed must be whole numbers\n".utf8))
            return 2
        }
        let seed = UInt64(seedValue)
        do {
            switch arguments.first {
            case "write-demo-csv", "write-demo-grid":
                guard let out = options["--out"] else {
                    FileHandle.standardError.write(Data("lifeline-intake: \(arguments[0]) needs --out FILE\n".utf8))
                    return 2
                }
                let grid = DemoGrid.make(seed: seed)
                if arguments.first == "write-demo-grid" {
                    let rows = try DemoFiles.writeGridCSV(grid, to: URL(fileURLWithPath: out))
                    print("wrote \(rows) rows of \(grid.units.count) units to \(out)")
                } else {
                    let rows = try DemoFiles.writeHouseholdCSV(
                        DemoHouseholds(grid: grid, households: households, seed: seed), to: URL(fileURLWithPath: out))
                    print("wrote \(rows) member rows of \(households) households to \(out)")
                }
                return 0
            default:  // seed-demo
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lifeline-demo-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: directory) }
                let grid = DemoGrid.make(seed: seed)
                let gridFile = directory.appendingPathComponent("grid.csv")
                let householdFile = directory.appendingPathComponent("households.csv")
                try DemoFiles.writeGridCSV(grid, to: gridFile)
                try DemoFiles.writeHouseholdCSV(DemoHouseholds(grid: grid, households: households, seed: seed), to: householdFile)
                let status = await IntakeCommands.run(["import-grid", gridFile.path])
                guard status == 0 else { return status }
                return await IntakeCommands.run(["import", householdFile.path, "--region", "370115"])
            }
        } catch {
            FileHandle.standardError.write(Data("lifeline-intake: could not write the demo files: \(error)\n".utf8))
            return 1
        }
    }
}
