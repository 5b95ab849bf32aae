import LifelineRuntime
import Notification

await ServiceMain.run(NotificationService.definition, defaultHTTPPort: NotificationService.defaultHTTPPort)
