import Foundation
import Intake
import LifelineRuntime

let arguments = Array(CommandLine.arguments.dropFirst())
if DemoCommands.isCommand(arguments) {
    exit(await DemoCommands.run(arguments))
}
if IntakeCommands.isCommand(arguments) {
    exit(await IntakeCommands.run(arguments))
}
await ServiceMain.run(IntakeService.definition, defaultHTTPPort: IntakeService.defaultHTTPPort)
