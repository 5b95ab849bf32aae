import Insurance
import LifelineRuntime

await ServiceMain.run(InsuranceService.definition, defaultHTTPPort: InsuranceService.defaultHTTPPort)
