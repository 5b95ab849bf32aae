import DepartmentScreening
import Foundation
import LifelineRuntime

let arguments = Array(CommandLine.arguments.dropFirst())
if ScreeningCommands.isCommand(arguments) {
    exit(await ScreeningCommands.run(arguments))
}
await ServiceMain.run(DepartmentScreeningService.definition, defaultHTTPPort: DepartmentScreeningService.defaultHTTPPort)
