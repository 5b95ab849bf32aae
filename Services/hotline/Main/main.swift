import Hotline
import LifelineRuntime

await ServiceMain.run(HotlineService.definition, defaultHTTPPort: HotlineService.defaultHTTPPort)
