from tbot.entrypoints.cli.app import main

main()
