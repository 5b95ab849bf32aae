import Accounts
import LifelineRuntime

await ServiceMain.run(AccountsService.definition, defaultHTTPPort: AccountsService.defaultHTTPPort)
