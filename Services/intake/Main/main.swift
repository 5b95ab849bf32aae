import Intake
import LifelineRuntime

await ServiceMain.run(IntakeService.definition, defaultHTTPPort: IntakeService.defaultHTTPPort)
