using AgentGuard.Cli;

return await Cli.RunAsync(args).ConfigureAwait(false);
