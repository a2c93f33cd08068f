using CoopAgent.Server.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
