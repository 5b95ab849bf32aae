import LifelineRuntime
import Review

await ServiceMain.run(ReviewService.definition, defaultHTTPPort: ReviewService.defaultHTTPPort)
