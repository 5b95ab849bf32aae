import Console

await ConsoleService.main()
