import GhNetCLI

await Entry.main(Array(CommandLine.arguments.dropFirst()))
